/**
 * Loopback ports for the control plane. Each one not given is picked free by the kernel, so two
 * clusters (a test run and `cluster:up`) can run side by side; a given one must be free.
 */
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

/** The ports that still have a listener, after a stop. */
export async function portsStillInUse(ports: ControlPlanePorts): Promise<number[]> {
  const busy: number[] = [];
  for (const port of Object.values(ports)) {
    if (!(await isPortFree(port))) busy.push(port);
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
