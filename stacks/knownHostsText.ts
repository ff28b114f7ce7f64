/**
 * Checks known_hosts text from stack config before Flux gets it: every line must be a host key
 * line whose key is what it says it is. A line Flux cannot use fails every fetch from the host,
 * and only long after `pulumi up` reported success.
 */
import { REVOKED_GITHUB_RSA_KEY_PREFIX } from "../components/shared/knownHosts";
import { escapedCodePoint, firstInvisibleCharacter, quoted } from "./quoting";
import { HOST_KEY_TYPES, sshPublicKeyProblem } from "./sshPublicKey";

/** `[@marker] <host-patterns> <key-type> <base64-key> [comment]`, as sshd(8) describes it. */
const KNOWN_HOSTS_LINE =
  /^(?:(?<marker>@\S+)[ \t]+)?(?<hosts>\S+)[ \t]+(?<type>\S+)[ \t]+(?<key>\S+)(?:[ \t].*)?$/s;
const MARKERS = ["@cert-authority", "@revoked"];
const SHAPE = '"<host> <key-type> <base64-key>"';

/** A line, shortened and with invisible characters escaped, for a message. */
const shown = (line: string): string => quoted(line.slice(0, 60));

function lineProblem(line: string): string | undefined {
  const invisible = firstInvisibleCharacter(line, "\t");
  if (invisible !== undefined) {
    return `has a line with the invisible character ${escapedCodePoint(invisible)}: ${shown(line)}`;
  }
  const fields = KNOWN_HOSTS_LINE.exec(line)?.groups;
  const marker = fields?.["marker"];
  if (fields === undefined || (marker !== undefined && !MARKERS.includes(marker))) {
    return `has a line that is not ${SHAPE}: ${shown(line)}`;
  }
  const type = fields["type"] ?? "";
  const key = fields["key"] ?? "";
  if (!HOST_KEY_TYPES.includes(type)) {
    return /^(ssh|ecdsa|sk)-/.test(type)
      ? `has a line with key type ${quoted(type)}, which is not a host key type this program accepts; expected one of ${HOST_KEY_TYPES.join(", ")}: ${shown(line)}`
      : `has a line that is not ${SHAPE}: ${shown(line)}`;
  }
  if (key.startsWith(REVOKED_GITHUB_RSA_KEY_PREFIX)) {
    return "contains the github.com RSA host key revoked in March 2023";
  }
  const keyProblem = sshPublicKeyProblem(type, key);
  if (keyProblem !== undefined) {
    return `has a line whose key does not decode as its declared type ${type} (${keyProblem}): ${shown(line)}`;
  }
  return undefined;
}

/** Why a known_hosts text is unusable, or undefined when every line is a usable host key line. */
export function knownHostsProblem(text: string): string | undefined {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) return "has no host key lines";
  for (const line of lines) {
    const problem = lineProblem(line);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
