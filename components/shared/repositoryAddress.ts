/**
 * What a repository URL may point Flux at. The URL reaches source-controller, which fetches from
 * inside the cluster with the network access its pod has; a URL is also copied into GitHub,
 * logs and other tools. So hosts that reach the node's own credential endpoints are refused, and
 * so is anything that is not plainly a host name, or that a shell or URL parser would read as
 * more than a path.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { GitRepositoryLocation } from "./gitSource";
import { describeCharacter, quoted } from "./quotedText";

/** A DNS host name: labels of letters, digits and inner hyphens (so never an option like -o). */
const DNS_HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;
/** Canonical dotted-quad IPv4: four numbers 0-255 without leading zeros. */
const IPV4 =
  /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
/** No top-level domain is numeric, so a host whose last label is, is meant as an address. */
const NUMERIC_LAST_LABEL = /(^|\.)([0-9]+|0x[0-9a-f]*)$/i;

/** Characters a repository path may hold as they are; a space may be written %20. */
const PATH_CHARACTER = /^[A-Za-z0-9._~/+@=,-]$/;

/**
 * The 16 bytes of an IPv6 address (which isIPv6 accepted), `::` expanded and a trailing
 * dotted IPv4 part read as the last two groups.
 */
function ipv6Bytes(address: string): number[] {
  const withoutZone = address.split("%")[0] ?? "";
  const dotted = /(?<v4>[0-9.]+)$/.exec(withoutZone);
  let text = withoutZone;
  if (dotted?.groups?.["v4"]?.includes(".")) {
    const parts = dotted.groups["v4"].split(".").map(Number);
    const high = (((parts[0] ?? 0) << 8) | (parts[1] ?? 0)).toString(16);
    const low = (((parts[2] ?? 0) << 8) | (parts[3] ?? 0)).toString(16);
    text = `${withoutZone.slice(0, -dotted.groups["v4"].length)}${high}:${low}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => "0");
  return [...headGroups, ...(tail === undefined ? [] : zeros), ...tailGroups].flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** Why Flux must not fetch from this IPv4 address, or undefined. */
function ipv4Problem(address: string): string | undefined {
  const [first, second] = address.split(".").map(Number);
  if (first === 169 && second === 254) {
    return "is link-local (169.254.0.0/16), where the node's instance metadata and credential endpoints answer";
  }
  return undefined;
}

/** Why Flux must not fetch from this IPv6 address, or undefined. */
function ipv6Problem(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = bytes;
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) {
    return "is link-local (fe80::/10), reachable only from the node's own network link";
  }
  if (b0 === 0xfd && b1 === 0x00 && b2 === 0x0e && b3 === 0xc2) {
    return "is in fd00:ec2::/32, where EC2 answers instance metadata and EKS Pod Identity credentials over IPv6";
  }
  const mapped = bytes.slice(0, 12).every((byte, index) => byte === (index >= 10 ? 0xff : 0));
  return mapped ? ipv4Problem(bytes.slice(12).join(".")) : undefined;
}

/** Why a repository host is unusable, or undefined. `host` is as the URL parser returned it. */
export function repositoryHostProblem(host: string): string | undefined {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIPv6(bare)) return ipv6Problem(bare);
  if (IPV4.test(bare)) return ipv4Problem(bare);
  if (isIPv4(bare) || NUMERIC_LAST_LABEL.test(bare) || !DNS_HOST_NAME.test(bare)) {
    return "is not a host name; expected a DNS name such as git.example.org, or an IPv4 address written as four numbers such as 192.0.2.10";
  }
  return undefined;
}

/** The first character of a path that is not allowed, or undefined. */
function badPathCharacter(path: string): string | undefined {
  const characters = [...path];
  for (let index = 0; index < characters.length; index++) {
    const character = characters[index] ?? "";
    if (character === "%" && characters.slice(index + 1, index + 3).join("") === "20") {
      index += 2;
    } else if (!PATH_CHARACTER.test(character)) {
      return character;
    }
  }
  return undefined;
}

/** The first path segment that starts with "-", or undefined. Spaces are still %20 here. */
const optionLikeSegment = (path: string): string | undefined =>
  path.split("/").find((segment) => segment.startsWith("-"));

/**
 * Why Flux must not be given this repository, or undefined. Runs on what the URL parser
 * accepted: `url` is the URL as written, for messages.
 */
export function repositoryAddressProblem(
  url: string,
  location: GitRepositoryLocation,
): string | undefined {
  const parsed = /^ssh:\/\/(?<user>[^@/]*)@[^/]*\/(?<path>.*)$/s.exec(location.sshUrl)?.groups;
  const user = parsed?.["user"] ?? "";
  const path = parsed?.["path"] ?? "";
  const hostProblem = repositoryHostProblem(location.host);
  if (hostProblem !== undefined) {
    const start = url.toLowerCase().indexOf(location.host);
    const asWritten = start < 0 ? location.host : url.slice(start, start + location.host.length);
    return `${quoted(url)} has host ${quoted(asWritten)}, which ${hostProblem}`;
  }
  if (user.startsWith("-")) {
    return `${quoted(url)} has SSH user ${quoted(user)}, which reads as a command-line option; expected a user name such as git`;
  }
  const character = badPathCharacter(path);
  if (character !== undefined) {
    return `${quoted(url)} has ${describeCharacter(character)} in its path; expected letters, digits and . _ ~ - / + @ = , only (a space written as %20)`;
  }
  // A tool given the path alone (git's upload-pack, an ssh command) reads a leading "-" as an
  // option. GitHub's own naming rules already cover its paths.
  const option = location.github === undefined ? optionLikeSegment(path) : undefined;
  if (option !== undefined) {
    return `${quoted(url)} has the path segment ${quoted(option)}, which starts with "-" and reads as a command-line option; expected segments that start with a letter, digit or one of . _ ~ + @ = ,`;
  }
  return undefined;
}
