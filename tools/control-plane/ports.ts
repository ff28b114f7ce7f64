/**
 * Loopback ports for the control plane. Each one not given is picked free by the kernel, so two
 * clusters (a test run and `cluster:up`) can run side by side; a given one must be free.
 *
 * A picked port is free only until its server binds it, which comes after the certificates are
 * made. Control planes started side by side in one process (a local fleet) could be given the
 * same port in that gap, so a port this process has picked or been asked for is never picked
 * again by it.
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

/** Every port allocatePorts has handed out in this process, asked for or picked. */
const handedOut = new Set<number>();

/** How many picks may land on ports already handed out before one is given up as impossible. */
const MAX_PICKS_PER_PORT = 1_000;

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

/**
 * Checks the ports asked for and fills in the rest with free ones this process has never handed
 * out before, so that calls running side by side never share a port.
 */
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
  // A port asked for may be asked for again (a later cluster given the same ports), but no pick
  // lands on it while its server may still be about to bind it.
  for (const port of taken) handedOut.add(port);
  for (const role of roles) {
    if (ports[role] !== undefined) continue;
    ports[role] = await pickPortNotHandedOut(role);
  }
  return ports as ControlPlanePorts;
}

/** A free port, picked by the kernel, that no earlier pick or request of this process got. */
async function pickPortNotHandedOut(role: keyof ControlPlanePorts): Promise<number> {
  for (let picks = 0; picks < MAX_PICKS_PER_PORT; picks += 1) {
    const port = await pickFreePort();
    // Taken before the next await, so a call running alongside cannot pick it as well.
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new ControlPlaneError(
    `no free port on ${HOST} for ${PORT_OWNERS[role]}: ${MAX_PICKS_PER_PORT} picks in a row were ports this process had already handed out`,
  );
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
