/**
 * The control plane's parts that need no Kubernetes binary: command lines, certificate requests,
 * port checks, error messages, and how its processes are recorded, stopped and checked gone (with
 * `sleep` standing in for the servers). Nothing here builds or starts a real control plane; the
 * cluster suite does that. How its binaries are built is tested with every Go-built tool in
 * goTools.test.ts.
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  SERVICE_ACCOUNT_ISSUER,
} from "../tools/control-plane/args";
import {
  diagnoseLog,
  lastErrorLine,
  startFailureError,
  tailLines,
} from "../tools/control-plane/errors";
import { kubeconfigYaml } from "../tools/control-plane/kubeconfig";
import { layout } from "../tools/control-plane/layout";
import { CA, LEAF_CERTIFICATES, opensslArgs, opensslConfig } from "../tools/control-plane/pki";
import {
  allocatePorts,
  isPortFree,
  listeningPorts,
  validatePort,
  type ControlPlanePorts,
} from "../tools/control-plane/ports";
import {
  commandLine,
  isRunning,
  isZombie,
  killGroupNow,
  launch,
  stopGroup,
} from "../tools/control-plane/processes";
import { ProcessSet, recordExit, recordRestart } from "../tools/control-plane/processSet";
import { parseState, readState, withProcess } from "../tools/control-plane/state";
import {
  describeLeftovers,
  failIfLeft,
  stopControlPlanes,
  type StoppableControlPlane,
} from "../tools/control-plane/teardown";

const files = layout("/tmp/cp-test");
const ports: ControlPlanePorts = {
  apiserver: 40001,
  etcdClient: 40002,
  etcdPeer: 40003,
  controllerManager: 40004,
};

/** flag name -> value, for the `--name=value` form all three components take. */
function flags(args: string[]): Map<string, string> {
  return new Map(
    args.map((arg) => {
      const match = /^--([^=]+)=(.*)$/.exec(arg);
      if (!match) throw new Error(`not a --flag=value argument: ${arg}`);
      return [match[1] as string, match[2] as string];
    }),
  );
}

describe("etcd command line", () => {
  const etcd = flags(etcdArgs(files, ports));

  it("listens for clients and peers on loopback only, on the ports given", () => {
    expect(etcd.get("listen-client-urls")).toBe("http://127.0.0.1:40002");
    expect(etcd.get("listen-peer-urls")).toBe("http://127.0.0.1:40003");
    expect(etcd.get("initial-cluster")).toBe(`${etcd.get("name")}=http://127.0.0.1:40003`);
  });

  it("keeps its data inside the control plane's directory", () => {
    expect(etcd.get("data-dir")).toBe("/tmp/cp-test/etcd-data");
  });
});

describe("kube-apiserver command line", () => {
  const apiserver = flags(apiserverArgs(files, ports));

  it("authorizes with Node and RBAC and serves on loopback at the given port", () => {
    expect(apiserver.get("authorization-mode")).toBe("Node,RBAC");
    expect(apiserver.get("bind-address")).toBe("127.0.0.1");
    expect(apiserver.get("secure-port")).toBe("40001");
    expect(apiserver.get("etcd-servers")).toBe("http://127.0.0.1:40002");
  });

  it("issues service-account tokens with the generated key pair", () => {
    expect(apiserver.get("service-account-issuer")).toBe(SERVICE_ACCOUNT_ISSUER);
    expect(apiserver.get("service-account-signing-key-file")).toBe(
      "/tmp/cp-test/pki/service-account.key",
    );
    expect(apiserver.get("service-account-key-file")).toBe("/tmp/cp-test/pki/service-account.pub");
    expect(apiserver.get("service-cluster-ip-range")).toBe("10.0.0.0/24");
  });

  it("trusts client certificates from our CA only", () => {
    expect(apiserver.get("client-ca-file")).toBe("/tmp/cp-test/pki/ca.crt");
    expect(apiserver.get("tls-cert-file")).toBe("/tmp/cp-test/pki/apiserver.crt");
  });
});

describe("kube-controller-manager command line", () => {
  const manager = flags(controllerManagerArgs(files, ports));

  it("runs every default controller, without leader election or a cloud provider", () => {
    expect(manager.get("controllers")).toBe("*");
    expect(manager.get("leader-elect")).toBe("false");
    expect(manager.has("cloud-provider")).toBe(false);
  });

  it("signs token Secrets with the same key the API server verifies and publishes our CA", () => {
    expect(manager.get("service-account-private-key-file")).toBe(
      "/tmp/cp-test/pki/service-account.key",
    );
    expect(manager.get("root-ca-file")).toBe("/tmp/cp-test/pki/ca.crt");
    expect(manager.get("kubeconfig")).toBe("/tmp/cp-test/controller-manager.kubeconfig");
  });

  it("serves its health checks on loopback at the given port", () => {
    expect(manager.get("bind-address")).toBe("127.0.0.1");
    expect(manager.get("secure-port")).toBe("40004");
  });
});

describe("certificates", () => {
  const spec = (name: string) => {
    const found = LEAF_CERTIFICATES.find((certificate) => certificate.name === name);
    if (!found) throw new Error(`no certificate ${name}`);
    return found;
  };

  it("makes the admin a client in system:masters, and not a CA", () => {
    const config = opensslConfig(spec("admin"));
    expect(config).toContain("O = system:masters");
    expect(config).toContain("extendedKeyUsage = clientAuth");
    expect(config).toContain("basicConstraints = critical, CA:FALSE");
  });

  it("names the API server by loopback and by the kubernetes Service's IP and DNS names", () => {
    const config = opensslConfig(spec("apiserver"));
    const altNames = /subjectAltName = (.*)/.exec(config)?.[1]?.split(", ");
    expect(altNames).toEqual(
      expect.arrayContaining([
        "IP:127.0.0.1",
        "IP:10.0.0.1",
        "DNS:localhost",
        "DNS:kubernetes.default.svc.cluster.local",
      ]),
    );
    expect(config).toContain("extendedKeyUsage = serverAuth");
  });

  it("gives the controller manager the user name the bootstrap RBAC policy grants to", () => {
    expect(opensslConfig(spec("controller-manager-client"))).toContain(
      "CN = system:kube-controller-manager",
    );
  });

  it("self-signs only the CA and signs everything else with it", () => {
    expect(opensslConfig(CA)).toContain("basicConstraints = critical, CA:TRUE");
    expect(opensslArgs(CA, "/p")).not.toContain("-CA");
    const leaf = opensslArgs(spec("admin"), "/p");
    expect(leaf.slice(leaf.indexOf("-CA"))).toEqual(["-CA", "/p/ca.crt", "-CAkey", "/p/ca.key"]);
  });
});

describe("kubeconfig", () => {
  it("inlines the CA and the client certificate for the given server", () => {
    const config = parse(
      kubeconfigYaml({
        server: "https://127.0.0.1:40001",
        caPem: "CA PEM",
        clientCertPem: "CERT PEM",
        clientKeyPem: "KEY PEM",
        userName: "kubernetes-admin",
      }),
    );
    const decode = (value: string) => Buffer.from(value, "base64").toString("utf8");
    expect(config.clusters[0].cluster.server).toBe("https://127.0.0.1:40001");
    expect(decode(config.clusters[0].cluster["certificate-authority-data"])).toBe("CA PEM");
    expect(decode(config.users[0].user["client-key-data"])).toBe("KEY PEM");
    expect(config.contexts[0].context.user).toBe("kubernetes-admin");
    expect(config["current-context"]).toBe(config.contexts[0].name);
  });
});

describe("ports", () => {
  let listener: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
    listener = undefined;
  });

  async function occupyPort(): Promise<number> {
    listener = createServer();
    await new Promise<void>((resolve) => listener?.listen(0, "127.0.0.1", resolve));
    const address = listener.address();
    if (address === null || typeof address !== "object") throw new Error("no port");
    return address.port;
  }

  it("refuses a port that is in use, in one line naming it and what asked for it", async () => {
    const port = await occupyPort();
    expect(await isPortFree(port)).toBe(false);
    const failure = await allocatePorts({ apiserver: port }).catch((error: Error) => error);
    expect((failure as Error).message).toBe(
      `port ${port} on 127.0.0.1, asked for kube-apiserver, is already in use; ` +
        `stop what listens there (see \`ss -ltnp 'sport = :${port}'\`) or choose another port`,
    );
  });

  it("fills in distinct free ports around the one asked for", async () => {
    const port = await occupyPort();
    await new Promise<void>((resolve) => listener?.close(() => resolve()));
    listener = undefined;
    const allocated = await allocatePorts({ etcdClient: port });
    expect(allocated.etcdClient).toBe(port);
    expect(new Set(Object.values(allocated)).size).toBe(4);
  });

  it("never hands out a port twice in one process, to calls side by side or one after another", async () => {
    // 400 picks from the kernel's range of about 14 000 ports for bind(0) repeat one almost
    // surely; only the process-wide record keeps them apart.
    const seen = new Set<number>();
    for (let round = 0; round < 25; round += 1) {
      const sideBySide = await Promise.all([1, 2, 3, 4].map(() => allocatePorts()));
      for (const port of sideBySide.flatMap((allocated) => Object.values(allocated))) {
        expect(seen.has(port), `port ${port} handed out twice`).toBe(false);
        seen.add(port);
      }
    }
    expect(seen.size).toBe(400);
  });

  it("refuses a port asked for twice, and ports outside 1-65535", async () => {
    await expect(allocatePorts({ apiserver: 40100, etcdClient: 40100 })).rejects.toThrow(
      "port 40100 is asked for twice",
    );
    expect(() => validatePort(0, "etcdPeer")).toThrow(
      "the etcd (peers) port must be a whole number from 1 to 65535, not 0",
    );
    expect(() => validatePort(65536, "apiserver")).toThrow("not 65536");
    expect(() => validatePort(80.5, "apiserver")).toThrow("not 80.5");
  });
});

describe("start failures", () => {
  const log = Array.from({ length: 30 }, (_, i) => `I1125 10:00:${i} line ${i}`);

  it("summarize in one line and show only the last 20 lines of the failing process's log", () => {
    const error = startFailureError({
      component: "etcd",
      what: "exited with code 1 before it was ready",
      logText: [
        ...log,
        `{"level":"fatal","ts":"2026-01-01T00:00:00Z","msg":"conflicting environment variable","environment-variable":"ETCD_NAME","stacktrace":"main.main"}`,
      ].join("\n"),
    });
    const [summary, header, ...tail] = error.message.split("\n");
    expect(summary).toBe(
      "etcd exited with code 1 before it was ready: conflicting environment variable " +
        "(environment-variable: ETCD_NAME); everything started was stopped",
    );
    expect(header).toBe("--- last 20 lines of the etcd log ---");
    expect(tail).toHaveLength(20);
    expect(tail[0]).toBe("I1125 10:00:11 line 11");
    expect(error.summary).toBe(summary);
  });

  it("name a port taken between our check and the server's bind", () => {
    const logText =
      'E1125 10:00:01 run.go:72] "command failed" err="failed to listen on 127.0.0.1:40001: listen tcp 127.0.0.1:40001: bind: address already in use"';
    expect(diagnoseLog(logText)).toBe(
      "port 40001 on 127.0.0.1 is already in use; free it (see `ss -ltnp 'sport = :40001'`) or run again to pick other ports",
    );
  });

  it("pick klog's last error line when nothing more specific is known", () => {
    const logText = [
      "I1125 one",
      "E1125 10:00:01 first error",
      "W1125 warn",
      "E1125 10:00:02 second error",
      "I1125 two",
    ].join("\n");
    expect(lastErrorLine(logText)).toBe("E1125 10:00:02 second error");
    expect(lastErrorLine("I1125 all fine")).toBeUndefined();
  });

  it("say so when the log is empty", () => {
    const error = startFailureError({
      component: "kube-apiserver",
      what: "was killed by SIGKILL before it was ready",
      logText: "",
    });
    expect(error.message).toBe(
      "kube-apiserver was killed by SIGKILL before it was ready; everything started was stopped\n(the kube-apiserver log is empty)",
    );
    expect(tailLines("")).toEqual([]);
  });
});

describe("process launch", () => {
  const options = { component: "etcd", binary: "/bin/etcd", args: ["--a=1"], logPath: "/l" };

  it("ties test-run processes to this one with a parent-death signal", () => {
    expect(commandLine({ ...options, outlivesParent: false }, true)).toEqual([
      "setpriv",
      ["--pdeathsig", "KILL", "--", "/bin/etcd", "--a=1"],
    ]);
  });

  it("starts cluster:up's processes directly, so they survive the command", () => {
    expect(commandLine({ ...options, outlivesParent: true }, true)).toEqual([
      "/bin/etcd",
      ["--a=1"],
    ]);
  });
});

describe("state file", () => {
  const valid = {
    server: "https://127.0.0.1:40001",
    kubeconfigPath: "/x/kubeconfig",
    ports,
    processes: [{ component: "etcd", pid: 1234, binary: "/bin/etcd" }],
  };

  it("records a component's new process in place of its last one, and a new component last", () => {
    const restarted = withProcess(
      {
        ...valid,
        processes: [...valid.processes, { component: "kube-apiserver", pid: 20, binary: "/a" }],
      },
      { component: "kube-apiserver", pid: 21, binary: "/b" },
    );
    expect(restarted.processes).toEqual([
      { component: "etcd", pid: 1234, binary: "/bin/etcd" },
      { component: "kube-apiserver", pid: 21, binary: "/b" },
    ]);
    expect(
      withProcess(valid, { component: "kube-controller-manager", pid: 30, binary: "/c" }).processes,
    ).toEqual([
      ...valid.processes,
      { component: "kube-controller-manager", pid: 30, binary: "/c" },
    ]);
  });

  it("reads back what was written", () => {
    expect(parseState(JSON.stringify(valid), "/x/state.json")).toEqual(valid);
  });

  it("refuses anything else rather than signal pids it can't vouch for", () => {
    const refused = "/x/state.json is not a control-plane state file";
    expect(() => parseState("not json", "/x/state.json")).toThrow(refused);
    expect(() =>
      parseState(
        JSON.stringify({
          ...valid,
          processes: [{ component: "etcd", pid: 1, binary: "/bin/etcd" }],
        }),
        "/x/state.json",
      ),
    ).toThrow(refused);
    expect(() =>
      parseState(JSON.stringify({ ...valid, ports: undefined }), "/x/state.json"),
    ).toThrow(refused);
  });
});

/** The parent pid and state letter of a process, from /proc. */
function processStat(pid: number): { parent: number; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { parent: Number(parent), state: state ?? "" };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("process state", () => {
  it("tells an exited process nobody reaped from a running one", async () => {
    // sh forks a short sleep, then becomes a long one, which never reaps the first.
    const parent = spawn("sh", ["-c", "sleep 0 & exec sleep 30"], { stdio: "ignore" });
    const parentPid = parent.pid ?? 0;
    try {
      let zombie: number | undefined;
      for (let attempt = 0; attempt < 200 && zombie === undefined; attempt += 1) {
        zombie = readdirSync("/proc")
          .filter((entry) => /^\d+$/.test(entry))
          .map(Number)
          .find((pid) => {
            const stat = processStat(pid);
            return stat?.parent === parentPid && stat.state === "Z";
          });
        if (zombie === undefined) await sleep(20);
      }
      expect(zombie).toBeDefined();
      expect(isZombie(zombie ?? 0)).toBe(true);
      expect(isRunning(zombie ?? 0)).toBe(false);
      expect(isZombie(parentPid)).toBe(false);
      expect(isRunning(parentPid)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  });
});

describe("a control plane's processes, with sleep standing in for its servers", () => {
  const dirs: string[] = [];
  const strays: number[] = [];
  let listener: Server | undefined;
  afterEach(async () => {
    for (const pid of strays.splice(0)) killGroupNow(pid);
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
    listener = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A process set as startControlPlane makes one, with state.json written and free ports. */
  async function newSet(): Promise<{ dir: string; set: ProcessSet; ports: ControlPlanePorts }> {
    const dir = mkdtempSync(join(tmpdir(), "k8s-flux-process-set-"));
    dirs.push(dir);
    const cpFiles = layout(dir);
    mkdirSync(cpFiles.logDir);
    const set = new ProcessSet(cpFiles, true);
    const free = await allocatePorts();
    set.record({
      server: "https://127.0.0.1:1",
      kubeconfigPath: cpFiles.kubeconfig,
      ports: free,
      processes: [],
    });
    return { dir, set, ports: free };
  }

  async function sleeper(dir: string, component: string) {
    const launched = await launch({
      component,
      binary: "/bin/sleep",
      args: ["30"],
      logPath: join(layout(dir).logDir, `${component}.log`),
      outlivesParent: false,
    });
    strays.push(launched.pid);
    return launched;
  }

  const asControlPlane = (
    dir: string,
    set: ProcessSet,
    cpPorts: ControlPlanePorts,
  ): StoppableControlPlane => ({
    dir,
    ports: cpPorts,
    pids: () => set.pids(),
    stop: () => set.stop(),
  });

  it("names every process it ran, an API server started again included, and stops the one that runs now", async () => {
    const { dir, set } = await newSet();
    const etcd = await sleeper(dir, "etcd");
    set.add(etcd);
    const first = await sleeper(dir, "kube-apiserver");
    set.add(first);

    // What apiserverRestart.ts does: stop the API server, start another for the same directory.
    await stopGroup(first.pid);
    recordExit(dir, first.pid);
    const second = await sleeper(dir, "kube-apiserver");
    recordRestart(dir, second);

    expect(readState(layout(dir).stateFile)?.processes.map((p) => [p.component, p.pid])).toEqual([
      ["etcd", etcd.pid],
      ["kube-apiserver", second.pid],
    ]);
    expect(set.pids()).toEqual([etcd.pid, first.pid, second.pid]);
    expect(ProcessSet.runningFrom(dir)).toBe(set);

    await set.stop();
    expect([etcd.pid, first.pid, second.pid].filter(isRunning)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(ProcessSet.runningFrom(dir)).toBeUndefined();
  });

  it("after a stop, names each process still running and each port still listened on", async () => {
    const { dir, set, ports: cpPorts } = await newSet();
    const etcd = await sleeper(dir, "etcd");
    set.add(etcd);
    // A process the set lost track of: it still runs, and something holds the API server's port.
    const lost = await sleeper(dir, "kube-apiserver");
    set.add(lost);
    recordExit(dir, lost.pid);
    listener = createServer();
    await new Promise<void>((resolve) => listener?.listen(cpPorts.apiserver, "127.0.0.1", resolve));

    const left = await stopControlPlanes([asControlPlane(dir, set, cpPorts)]);
    expect(isRunning(etcd.pid)).toBe(false);
    expect(left).toEqual({
      problems: [
        `stopping the control plane in ${dir}: the control plane was stopped but port(s) ${cpPorts.apiserver} on 127.0.0.1 still have a listener; find it with \`ss -ltnp\` and stop it`,
      ],
      running: [lost.pid],
      listening: [cpPorts.apiserver],
    });
    const lines = describeLeftovers(left);
    expect(lines.slice(1)).toEqual([
      `control-plane process ${lost.pid} still runs`,
      `port ${cpPorts.apiserver} on 127.0.0.1 still has a listener`,
    ]);
    expect(() => failIfLeft(lines)).toThrow(
      `not everything stopped:\n- ${lines[0]}\n- ${lines[1]}\n- ${lines[2]}`,
    );
  });

  it("leaves nothing after a clean stop, also for a control plane stopped before, and prints its logs first when asked", async () => {
    const { dir, set, ports: cpPorts } = await newSet();
    const etcd = await sleeper(dir, "etcd");
    set.add(etcd);
    writeFileSync(
      join(layout(dir).logDir, "etcd.log"),
      `${Array.from({ length: 25 }, (_, i) => `line ${i}`).join("\n")}\n`,
    );
    const printed: string[] = [];
    const stderr = vi.spyOn(console, "error").mockImplementation((text: string) => {
      printed.push(text);
    });
    try {
      const cluster = asControlPlane(dir, set, cpPorts);
      const left = await stopControlPlanes([cluster], { printLogTails: true });
      expect(left).toEqual({ problems: [], running: [], listening: [] });
      expect(await stopControlPlanes([cluster], { printLogTails: true })).toEqual(left);
      expect(() => failIfLeft(describeLeftovers(left))).not.toThrow();
    } finally {
      stderr.mockRestore();
    }
    // Once, from the first teardown: the second found the directory gone.
    expect(printed).toEqual([
      `--- last 20 lines of etcd.log ---\n${Array.from({ length: 20 }, (_, i) => `line ${i + 5}`).join("\n")}`,
    ]);
  });
});

describe("listening ports, read from the kernel's socket tables", () => {
  it("names a listener on 127.0.0.1 while it listens, not an outgoing connection's port, and forgets it once closed", async () => {
    const listener = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as { port: number }).port;
    const client = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => client.once("connect", () => resolve()));
    const outgoing = client.localPort ?? 0;
    const whileOpen = listeningPorts();
    client.destroy();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    const afterClose = listeningPorts();
    if (whileOpen === undefined || afterClose === undefined) return; // not Linux: nothing to read
    expect(whileOpen.has(port)).toBe(true);
    expect(whileOpen.has(outgoing)).toBe(false);
    expect(afterClose.has(port)).toBe(false);
  });
});
