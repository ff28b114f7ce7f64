#!/usr/bin/env bash
# Installs what the local git server needs: Debian's openssh-server (sshd, ssh, ssh-keygen) and git,
# and the `git` account that clients log in as (ssh://git@127.0.0.1:<port>/owner/repo.git, as on
# GitHub). Nothing happens when all are there, so .ci/run and `npm run up:local` can call it every
# time. Needs root to change anything (CI and the development machines run as root).
set -euo pipefail

PACKAGES=(openssh-server git)
GIT_USER=git
# sshd changes into the account's home before running the forced command, and prints a warning
# into every git client's output when it cannot; an empty home of its own avoids that.
GIT_HOME=/var/lib/k8s-flux-git

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query --show --showformat='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then missing+=("$package"); fi
done

# With UsePAM off, sshd refuses a locked account ("!" in the password field); "*" means no
# password can match, without locking out keys.
git_user_ready() {
  getent passwd "$GIT_USER" >/dev/null && [ "$(getent shadow "$GIT_USER" | cut -d: -f2)" = "*" ]
}

if [ "${#missing[@]}" -eq 0 ] && git_user_ready; then exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "installPrerequisites: needs root to install ${missing[*]:-nothing} and set up the $GIT_USER account; run it with sudo" >&2
  exit 1
fi

if [ "${#missing[@]}" -gt 0 ]; then
  # Our sshd runs on a loopback port of its own, started by tools/gitops. The package's service
  # (sshd on port 22 for every account) must not start: a policy-rc.d answering 101 forbids it.
  # Docker images ship one; when there is none, one is in place for this install only.
  POLICY=/usr/sbin/policy-rc.d
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    trap 'rm -f "$POLICY"' EXIT
  fi
  echo "installPrerequisites: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be missing or stale on a fresh machine: one update before installing.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! getent passwd "$GIT_USER" >/dev/null; then
  # A real shell: sshd runs the forced command through it.
  useradd --system --home-dir "$GIT_HOME" --create-home --skel /dev/null --shell /bin/sh "$GIT_USER"
  echo "installPrerequisites: created the $GIT_USER account"
fi
if ! git_user_ready; then usermod --password '*' "$GIT_USER"; fi
