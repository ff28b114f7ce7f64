#!/bin/sh
# The only program a key can run on the local git server: sshd runs it for every connection, from
# the key's `command="..."` line in authorized_keys, whatever the client asked for. It answers as
# GitHub does for deploy keys:
#   - a git transfer of the one repository the key was registered for is served;
#   - any other repository, existing or not, is "Repository not found";
#   - a push with a read-only key is refused;
#   - anything that is not a plain git transfer is refused before any program runs.
#
# usage: forcedCommand.sh <repositories dir> read|write <owner/repo>
#        forcedCommand.sh <repositories dir> admin      (the local environment's own key: every
#                                                         repository, read and write)
# The request is SSH_ORIGINAL_COMMAND, e.g. `git-upload-pack '/owner/repo.git'`.
# <repositories dir> is absolute, so no path built from it can be read as an option by git.
set -eu
export LC_ALL=C

refuse() {
  printf 'ERROR: %s\n' "$1" >&2
  exit 1
}

if [ "$#" -lt 2 ]; then refuse "the git server's authorized_keys line is malformed"; fi
repositories=$1
access=$2
allowed=${3-}
request=${SSH_ORIGINAL_COMMAND-}

case $access in
  read | write) if [ -z "$allowed" ]; then refuse "the git server's authorized_keys line is malformed"; fi ;;
  admin) ;;
  *) refuse "the git server's authorized_keys line is malformed" ;;
esac

# Exactly one of git's three transfer programs, one space, then one path. No shell ever sees the
# request: it is only compared, and the program is run by name below.
case $request in
  "git-upload-pack "* | "git-receive-pack "* | "git-upload-archive "*) ;;
  *) refuse "this server runs git transfers only (git-upload-pack, git-receive-pack, git-upload-archive with one repository path)" ;;
esac
program=${request%% *}
path=${request#* }

# git and go-git quote the path in single quotes; a bare path is accepted too.
case $path in
  \'*\') path=${path#\'} && path=${path%\'} ;;
esac
# Letters, digits, dot, dash, underscore and slash only: no quotes, spaces, `;`, `$`, backticks,
# newlines or anything else a shell or git could read as more than a path.
case $path in
  '' | *[!A-Za-z0-9._/-]*) refuse "this server runs git transfers only (git-upload-pack, git-receive-pack, git-upload-archive with one repository path)" ;;
esac

# /owner/repo.git, owner/repo.git, /owner/repo and owner/repo all name owner/repo.
path=${path#/}
path=${path%.git}
case $path in
  */*/* | .* | */.* | */ | /*) refuse "Repository not found." ;;
  ?*/?*) ;;
  *) refuse "Repository not found." ;;
esac

if [ "$access" != admin ] && [ "$path" != "$allowed" ]; then refuse "Repository not found."; fi
directory=$repositories/$path.git
if [ ! -d "$directory" ]; then refuse "Repository not found."; fi

if [ "$program" = git-receive-pack ] && [ "$access" = read ]; then
  refuse "The key you are authenticating with has been marked as read only."
fi

case $program in
  git-upload-pack) exec git upload-pack "$directory" ;;
  git-receive-pack) exec git receive-pack "$directory" ;;
  git-upload-archive) exec git upload-archive "$directory" ;;
esac
