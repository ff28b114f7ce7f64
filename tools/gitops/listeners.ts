/**
 * TCP ports something listens on, from /proc/net/tcp and tcp6 (Linux), so that a teardown can
 * check that none of the ports it used still has a listener, whoever holds it.
 */
import { readFileSync } from "node:fs";

/** State 0A is LISTEN; the local address is `<hex ip>:<hex port>`. */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== "0A" || !local) continue;
      ports.add(Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16));
    }
  }
  return ports;
}

/** Those of `ports` that still have a listener. */
export function stillListening(ports: Iterable<number>): number[] {
  const listening = listeningPorts();
  return [...new Set(ports)].filter((port) => listening.has(port)).sort((a, b) => a - b);
}
