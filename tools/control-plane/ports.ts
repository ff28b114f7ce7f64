/**
 * Loopback ports for the control plane. Each one not given is picked free by the kernel, so two
 * clusters (a test run and `cluster:up`) can run side by side; a given one must be free.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { ControlPlaneError } from "./errors";

export const HOST = "127.0.0.1";

export interface ControlPlanePorts {
  apiserver: number;
  etcdClient: number;
  etcdPeer: number;
  controllerManager: number;
}

export const PORT_OWNERS: Record<keyof ControlPlanePorts, string> = {
  apiserver: "kube-apiserver",
  etcdClient: "etcd (clients)",
  etcdPeer: "etcd (peers)",
  controllerManager: "kube-controller-manager",
};

export function portInUseError(port: number, role: keyof ControlPlanePorts): ControlPlaneError {
  return new ControlPlaneError(
    `port ${port} on ${HOST}, asked for ${PORT_OWNERS[role]}, is already in use; ` +
      `stop what listens there (see \`ss -ltnp 'sport = :${port}'\`) or choose another port`,
  );
}

export function validatePort(value: unknown, role: keyof ControlPlanePorts): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ControlPlaneError(
      `the ${PORT_OWNERS[role]} port must be a whole number from 1 to 65535, not ${String(value)}`,
    );
  }
  return value;
}

/** Whether something could listen on the port right now (the same check the servers' bind makes). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(false);
      else reject(error);
    });
    server.listen({ host: HOST, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Checks the ports asked for and fills in the rest with distinct free ones. */
export async function allocatePorts(
  requested: Partial<ControlPlanePorts> = {},
): Promise<ControlPlanePorts> {
  const roles = Object.keys(PORT_OWNERS) as (keyof ControlPlanePorts)[];
  const taken = new Set<number>();
  const ports: Partial<ControlPlanePorts> = {};
  // Every request is checked before any port is probed, so a mistake in the request is
  // reported as such whatever else happens to listen on this machine.
  for (const role of roles) {
    const asked = requested[role];
    if (asked === undefined) continue;
    const port = validatePort(asked, role);
    if (taken.has(port)) {
      throw new ControlPlaneError(`port ${port} is asked for twice; give each component its own`);
    }
    taken.add(port);
    ports[role] = port;
  }
  for (const role of roles) {
    const port = ports[role];
    if (port !== undefined && !(await isPortFree(port))) throw portInUseError(port, role);
  }
  for (const role of roles) {
    if (ports[role] !== undefined) continue;
    let port = await pickFreePort();
    while (taken.has(port)) port = await pickFreePort();
    taken.add(port);
    ports[role] = port;
  }
  return ports as ControlPlanePorts;
}

/** `/proc/net/tcp*` local addresses a listener on HOST's port would hold: HOST or any address. */
const LISTEN_ADDRESSES = new Set([
  "0100007F", // 127.0.0.1
  "00000000", // 0.0.0.0
  "00000000000000000000000000000000", // ::
  "0000000000000000FFFF00000100007F", // ::ffff:127.0.0.1
]);
const TCP_LISTEN = "0A";

/**
 * The ports with a socket in the LISTEN state on HOST (or on every address), from the kernel's
 * socket tables; undefined where there are none to read (not Linux).
 */
export function listeningPorts(): Set<number> | undefined {
  let tables: string[];
  try {
    tables = ["/proc/net/tcp", "/proc/net/tcp6"].map((path) => readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  const listening = new Set<number>();
  for (const line of tables.flatMap((table) => table.split("\n").slice(1))) {
    const [, local = "", , state] = line.trim().split(/\s+/);
    const [address = "", port = ""] = local.split(":");
    if (state === TCP_LISTEN && LISTEN_ADDRESSES.has(address)) {
      listening.add(Number.parseInt(port, 16));
    }
  }
  return listening;
}

/**
 * The ports that still have a listener, after a stop. A listener, not a port that merely cannot
 * be bound: once a listener is gone, its number may be the local port of another program's
 * outgoing connection (the kernel picked these ports from its ephemeral range), which makes a
 * bind fail although nothing listens there.
 */
export async function portsStillInUse(ports: ControlPlanePorts): Promise<number[]> {
  const listening = listeningPorts();
  const busy: number[] = [];
  for (const port of Object.values(ports)) {
    if (listening ? listening.has(port) : !(await isPortFree(port))) busy.push(port);
  }
  return busy;
}

/** Fails, naming them, when any of the ports still has a listener after a stop. */
export async function assertPortsFree(ports: ControlPlanePorts): Promise<void> {
  const busy = await portsStillInUse(ports);
  if (busy.length > 0) {
    throw new ControlPlaneError(
      `the control plane was stopped but port(s) ${busy.join(", ")} on ${HOST} still have a listener; ` +
        `find it with \`ss -ltnp\` and stop it`,
    );
  }
}
