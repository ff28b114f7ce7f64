/**
 * THE table of local substitutions: everything the runner changes in a Deployment's container
 * args and env before it starts the program on this machine, each with its reason. Nothing else is
 * added or changed; what the kubelet itself would do (the downward API, $(VAR) expansion, Secret
 * and ConfigMap values) is in containerEnv.ts and is not a substitution.
 */
import type { Container, Volume } from "./deployment";
import type { Program, RunnableWorkload } from "./workloads";

export interface BindMount {
  source: string;
  target: string;
}

/** What the program is started with; substitutions change it in place. */
export interface CommandLine {
  args: string[];
  env: Map<string, string>;
  bindMounts: BindMount[];
}

export interface SubstitutionContext {
  workload: RunnableWorkload;
  container: Container;
  volumes: readonly Volume[];
  apiServer: { host: string; port: number };
  files: {
    /** A kubeconfig with the ServiceAccount's token (tokenFile) and the API server's CA. */
    kubeconfig: string;
    /** token, ca.crt and namespace, as a pod has them. */
    serviceAccountDir: string;
    home: string;
    tmp: string;
    /** The directory standing in for an emptyDir volume. */
    volumeDir(volume: string): string;
    /** The local copy of a directory the image carries (workload.imageFiles). */
    imageDir(path: string): string;
  };
  /** A free loopback port for this start; the same purpose gets the same port. */
  port(purpose: string): Promise<number>;
}

export interface Substitution {
  /** The flag, variable or path it replaces or sets. */
  target: string;
  programs: readonly Program[] | "every program";
  identity?: RunnableWorkload["identity"];
  reason: string;
  apply(line: CommandLine, context: SubstitutionContext): void | Promise<void>;
}

export const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
const LOOPBACK = "127.0.0.1";
const FLUX_MANAGERS: readonly Program[] = [
  "flux-operator",
  "source-controller",
  "kustomize-controller",
];

/**
 * Sets `--name=value`: the first occurrence (`--name=x`, bare `--name`, or `--name x` for a
 * flag that takes a value) is replaced in place, later ones removed; appended when absent.
 */
export function setFlag(args: string[], name: string, value: string, takesValue = true): void {
  const result: string[] = [];
  let placed = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    const bare = arg === name;
    if (!bare && !arg.startsWith(`${name}=`)) {
      result.push(arg);
      continue;
    }
    const next = args[index + 1];
    if (bare && takesValue && next !== undefined && !next.startsWith("-")) index++;
    if (!placed) result.push(`${name}=${value}`);
    placed = true;
  }
  if (!placed) result.push(`${name}=${value}`);
  args.splice(0, args.length, ...result);
}

/** Rewrites a path under one of the mounts to the directory standing in for it. */
export function rewritePath(value: string, mounts: ReadonlyMap<string, string>): string {
  // Longest mount first, so /data/cache wins over /data.
  for (const [mountPath, local] of [...mounts].sort(([a], [b]) => b.length - a.length)) {
    if (value === mountPath) return local;
    if (value.startsWith(`${mountPath.replace(/\/$/, "")}/`)) {
      return `${local}${value.slice(mountPath.replace(/\/$/, "").length)}`;
    }
  }
  return value;
}

function emptyDirMounts(context: SubstitutionContext): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const mount of context.container.volumeMounts ?? []) {
    const volume = context.volumes.find((candidate) => candidate.name === mount.name);
    if (volume?.emptyDir === undefined) continue;
    const local = context.files.volumeDir(mount.name);
    mounts.set(mount.mountPath, mount.subPath ? `${local}/${mount.subPath}` : local);
  }
  return mounts;
}

const loopbackFlag =
  (flag: string, purpose: string) =>
  async (line: CommandLine, context: SubstitutionContext): Promise<void> =>
    setFlag(line.args, flag, `${LOOPBACK}:${await context.port(purpose)}`);

const OWN_NETWORK =
  "a pod has its own network namespace, so every pod may listen on :8080; here all processes " +
  "share this machine's, so each listener gets a free port on loopback";

export const SUBSTITUTIONS: readonly Substitution[] = [
  {
    target: "paths under emptyDir volume mounts (args and env)",
    programs: "every program",
    reason:
      "an emptyDir volume is a directory the kubelet makes per pod; here it is a directory under " +
      "the runner's state dir (.cache/), and every arg or env value naming a path under the " +
      "mount point names that directory instead",
    apply(line, context) {
      const mounts = emptyDirMounts(context);
      if (mounts.size === 0) return;
      line.args = line.args.map((arg) => {
        const equals = arg.indexOf("=");
        return arg.startsWith("-") && equals > 0
          ? `${arg.slice(0, equals + 1)}${rewritePath(arg.slice(equals + 1), mounts)}`
          : rewritePath(arg, mounts);
      });
      for (const [name, value] of line.env) line.env.set(name, rewritePath(value, mounts));
    },
  },
  {
    target: "PATH",
    programs: "every program",
    reason: "the image's PATH names the image's directories; here the machine's system directories",
    apply(line) {
      if (!line.env.has("PATH"))
        line.env.set("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    },
  },
  {
    target: "HOME",
    programs: "every program",
    reason:
      "the image's user has a home inside the container; here a directory of the process's own",
    apply(line, context) {
      if (!line.env.has("HOME")) line.env.set("HOME", context.files.home);
    },
  },
  {
    target: "TMPDIR",
    programs: "every program",
    reason:
      "a pod's /tmp is its own (often an emptyDir); here /tmp is the machine's, so temporary " +
      "files go to the /tmp volume's directory, or one of the process's own",
    apply(line, context) {
      if (line.env.has("TMPDIR")) return;
      line.env.set("TMPDIR", emptyDirMounts(context).get("/tmp") ?? context.files.tmp);
    },
  },
  {
    target: "KUBECONFIG",
    programs: "every program",
    identity: "kubeconfig",
    reason:
      "outside a pod there is no service-account mount; the kubeconfig names the API server on " +
      "loopback, its CA, and a TokenRequest token of the Deployment's ServiceAccount (tokenFile, " +
      "refreshed before it expires)",
    apply(line, context) {
      line.env.set("KUBECONFIG", context.files.kubeconfig);
    },
  },
  {
    target: "KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT",
    programs: "every program",
    identity: "in-cluster",
    reason:
      "the kubelet sets them to the `kubernetes` Service's cluster IP; here the API server " +
      "listens on loopback",
    apply(line, context) {
      line.env.set("KUBERNETES_SERVICE_HOST", context.apiServer.host);
      line.env.set("KUBERNETES_SERVICE_PORT", String(context.apiServer.port));
    },
  },
  {
    target: SERVICE_ACCOUNT_MOUNT,
    programs: "every program",
    identity: "in-cluster",
    reason:
      "in-cluster config reads token, ca.crt and namespace there; the process gets a mount " +
      "namespace of its own (unshare -m) with the TokenRequest token's directory bind-mounted " +
      "on that path, as the kubelet's projected volume would be",
    apply(line, context) {
      line.bindMounts.push({
        source: context.files.serviceAccountDir,
        target: SERVICE_ACCOUNT_MOUNT,
      });
    },
  },
  {
    target: "--enable-leader-election",
    programs: FLUX_MANAGERS,
    reason:
      "one process runs per Deployment, so there is no one to elect; and outside a pod the " +
      "managers cannot find the namespace the lease lives in",
    apply(line) {
      setFlag(line.args, "--enable-leader-election", "false", false);
    },
  },
  {
    target: "--metrics-addr",
    programs: FLUX_MANAGERS,
    reason: OWN_NETWORK,
    apply: loopbackFlag("--metrics-addr", "metrics"),
  },
  {
    target: "--health-addr",
    programs: FLUX_MANAGERS,
    reason: OWN_NETWORK,
    apply: loopbackFlag("--health-addr", "health"),
  },
  {
    target: "--storage-addr",
    programs: ["source-controller"],
    reason: OWN_NETWORK,
    apply: loopbackFlag("--storage-addr", "storage"),
  },
  {
    target: "--storage-adv-addr",
    programs: ["source-controller"],
    reason:
      "artifacts are fetched (by kustomize-controller) from this address; the Deployment gives " +
      "the Service's DNS name, which nothing resolves here, so it is the loopback address the " +
      "storage server listens on",
    apply: loopbackFlag("--storage-adv-addr", "storage"),
  },
  {
    target: "--events-addr",
    programs: ["source-controller", "kustomize-controller"],
    reason:
      "the Deployment names notification-controller's Service, which nothing resolves here and " +
      "no process serves (the Go module proxy does not serve notification-controller); every " +
      "event would be posted five times, about 15 s, before a reconcile reports its result. " +
      "Empty, the controller records Kubernetes Events only, as without notification-controller",
    apply(line) {
      // Only an address the Deployment gives is emptied; none given, none is added.
      const given = line.args.some(
        (arg) => arg === "--events-addr" || arg.startsWith("--events-addr="),
      );
      if (given) setFlag(line.args, "--events-addr", "");
    },
  },
  {
    target: "--listen-addr",
    programs: ["sealed-secrets-controller"],
    reason: OWN_NETWORK,
    apply: loopbackFlag("--listen-addr", "http"),
  },
  {
    target: "--listen-metrics-addr",
    programs: ["sealed-secrets-controller"],
    reason: OWN_NETWORK,
    apply: loopbackFlag("--listen-metrics-addr", "metrics"),
  },
  {
    target: "--storage-path",
    programs: ["flux-operator"],
    reason:
      "the operator's image carries the Flux manifests it installs at /data (its module's " +
      "config/data); here a fresh copy of the module's config/data under .cache/, so no " +
      "registry is needed",
    apply(line, context) {
      setFlag(line.args, "--storage-path", context.files.imageDir("/data"));
    },
  },
  {
    target: "GODEBUG (fips140=on)",
    programs: ["flux-operator"],
    reason:
      'the operator refuses to start outside FIPS 140-3 mode ("Operating in non-FIPS mode is ' +
      'not supported"); release images get it from GOFIPS140=latest at build time, as our build ' +
      "in tools/go does, and this keeps a build without it starting as the release does",
    apply(line) {
      const current = line.env.get("GODEBUG");
      line.env.set("GODEBUG", current ? `${current},fips140=on` : "fips140=on");
    },
  },
  {
    target: "WEB_SERVER_PORT",
    programs: ["flux-operator"],
    reason:
      "the web UI has no login and would listen on every interface of this machine; 0 turns it " +
      "off (the variable wins over --web-server-port, so the variable is what is set)",
    apply(line) {
      line.env.set("WEB_SERVER_PORT", "0");
    },
  },
];

export function substitutionsFor(workload: RunnableWorkload): Substitution[] {
  return SUBSTITUTIONS.filter(
    (substitution) =>
      (substitution.programs === "every program" ||
        substitution.programs.includes(workload.program)) &&
      (substitution.identity === undefined || substitution.identity === workload.identity),
  );
}

/** Applies the workload's substitutions in table order; returns the targets applied. */
export async function applySubstitutions(
  line: CommandLine,
  context: SubstitutionContext,
): Promise<string[]> {
  const applied: string[] = [];
  for (const substitution of substitutionsFor(context.workload)) {
    await substitution.apply(line, context);
    applied.push(substitution.target);
  }
  return applied;
}
