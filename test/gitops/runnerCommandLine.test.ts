/**
 * How the process runner turns a Deployment into a command line: the kubelet's part (env,
 * downward API, $(VAR)) and the local substitutions, each of which must be in the one table; and
 * which image's Deployment a built binary may stand in for.
 */
import { describe, expect, it } from "vitest";
import { controllerDeployment } from "../../components/sealedSecrets/manifests";
import { toolVersions } from "../../tools/go/versions";
import { fluxOperatorDeployment } from "../../tools/gitops/fluxOperator/runConfig";
import { localWorkloads } from "../../tools/gitops/runner/localWorkloads";
import {
  expandReferences,
  NotReadyToStart,
  resolveEnvironment,
  type ConfigReader,
  type PodFacts,
} from "../../tools/gitops/runner/containerEnv";
import type { Container, Deployment } from "../../tools/gitops/runner/deployment";
import {
  chooseContainer,
  containerCommandLine,
  unsupportedFeature,
} from "../../tools/gitops/runner/podSpec";
import { parseQuantity } from "../../tools/gitops/runner/quantity";
import {
  applySubstitutions,
  rewritePath,
  setFlag,
  SUBSTITUTIONS,
  substitutionsFor,
  type SubstitutionContext,
} from "../../tools/gitops/runner/substitutions";
import { templateHash } from "../../tools/gitops/runner/templateHash";
import {
  imageMismatch,
  imageTagOf,
  type RunnableWorkload,
} from "../../tools/gitops/runner/workloads";
import { sourceControllerDeployment } from "./fluxDeployments";

const pod: PodFacts = {
  name: "source-controller-abc",
  namespace: "flux-system",
  uid: "uid-1",
  serviceAccountName: "source-controller",
  nodeName: "this-machine",
  podIP: "127.0.0.1",
  hostIP: "127.0.0.1",
  labels: { app: "source-controller" },
  annotations: { "example.test/note": "hello" },
};
const node = { cpus: 2, memoryBytes: 8 * 2 ** 30 };

function reader(objects: Record<string, Record<string, string>> = {}): ConfigReader {
  return { read: async (kind, namespace, name) => objects[`${kind}/${namespace}/${name}`] };
}

describe("the kubelet's part", () => {
  it("expands $(VAR) from earlier variables, keeps unknown ones and unescapes $$", () => {
    const env = new Map([
      ["NS", "flux-system"],
      ["HOST", "a.$(NS)"],
    ]);
    expect(expandReferences("$(HOST).svc/$(NS)/$(MISSING)/$$(NS)/$x", env)).toBe(
      "a.$(NS).svc/flux-system/$(MISSING)/$(NS)/$x",
    );
  });

  it("resolves fieldRef, resourceFieldRef, values naming earlier values, Secret and ConfigMap keys", async () => {
    const container: Container = {
      name: "manager",
      envFrom: [
        { configMapRef: { name: "settings" }, prefix: "CFG_" },
        { secretRef: { name: "missing", optional: true } },
      ],
      env: [
        { name: "RUNTIME_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        {
          name: "NOTE",
          valueFrom: { fieldRef: { fieldPath: "metadata.annotations['example.test/note']" } },
        },
        { name: "ADDR", value: "svc.$(RUNTIME_NAMESPACE).cluster" },
        { name: "GOMAXPROCS", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
        { name: "GOMEMLIMIT", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } },
        {
          name: "MEM_MI",
          valueFrom: { resourceFieldRef: { resource: "requests.memory", divisor: "1Mi" } },
        },
        // As the API server returns a selector that had no divisor.
        {
          name: "MEM_ZERO_DIVISOR",
          valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "0" } },
        },
        {
          name: "NODE_CPUS",
          valueFrom: { resourceFieldRef: { resource: "limits.cpu", containerName: "other" } },
        },
        { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
        {
          name: "OPTIONAL",
          valueFrom: { secretKeyRef: { name: "creds", key: "nope", optional: true } },
        },
      ],
      resources: { limits: { cpu: "1500m", memory: "1Gi" }, requests: { memory: "64Mi" } },
    };
    const env = await resolveEnvironment(
      container,
      [container, { name: "other" }],
      pod,
      node,
      reader({
        "ConfigMap/flux-system/settings": { level: "debug", "not a name": "skipped" },
        "Secret/flux-system/creds": { password: "s3cret" },
      }),
    );
    expect(Object.fromEntries(env)).toEqual({
      CFG_level: "debug",
      RUNTIME_NAMESPACE: "flux-system",
      POD: "source-controller-abc",
      NOTE: "hello",
      ADDR: "svc.flux-system.cluster",
      GOMAXPROCS: "2",
      GOMEMLIMIT: String(2 ** 30),
      MEM_MI: "64",
      MEM_ZERO_DIVISOR: String(2 ** 30),
      NODE_CPUS: "2",
      PASSWORD: "s3cret",
    });
  });

  it("waits for a Secret that is missing, as the kubelet's CreateContainerConfigError", async () => {
    const container: Container = {
      name: "manager",
      env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "absent", key: "token" } } }],
    };
    await expect(resolveEnvironment(container, [container], pod, node, reader())).rejects.toThrow(
      NotReadyToStart,
    );
  });

  it("parses quantities as the API does", () => {
    expect(parseQuantity("1000m")).toBe(1);
    expect(parseQuantity("1Gi")).toBe(2 ** 30);
    expect(parseQuantity("64M")).toBe(64e6);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity(3)).toBe(3);
    expect(() => parseQuantity("1 Gi")).toThrow("is not a Kubernetes quantity");
  });

  it("replaces the image's entrypoint by the binary and keeps the rest of command", () => {
    const line = containerCommandLine(
      { name: "c", command: ["controller", "--from-command=$(A)"], args: ["--x=$(A)"] },
      new Map([["A", "1"]]),
    );
    expect(line.args).toEqual(["--from-command=1", "--x=1"]);
  });

  it("refuses what it cannot provide: other volumes, init containers, an unnamed container of several", () => {
    const deployment = sourceControllerDeployment();
    const container = chooseContainer(deployment, workload("source-controller"));
    expect(unsupportedFeature(deployment, container)).toBeUndefined();

    const withSecret = sourceControllerDeployment();
    withSecret.spec.template.spec.volumes = [
      { name: "data", secret: { secretName: "x" } },
      { name: "tmp", emptyDir: {} },
    ];
    expect(unsupportedFeature(withSecret, container)).toBe(
      "volume data is a secret volume; only emptyDir volumes are provided here",
    );
    const withInit = sourceControllerDeployment();
    withInit.spec.template.spec.initContainers = [{ name: "init" }];
    expect(unsupportedFeature(withInit, container)).toContain("init containers");

    const twoContainers = sourceControllerDeployment();
    twoContainers.spec.template.spec.containers.push({ name: "sidecar" });
    expect(() => chooseContainer(twoContainers, workload("source-controller"))).toThrow(
      "it has 2 containers; the runner's table must name the one to run",
    );
  });

  it("hashes the pod template independently of key order, and sees any change", () => {
    const deployment = sourceControllerDeployment();
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : value !== null && typeof value === "object"
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([key, inner]) => [key, reversed(inner)]),
            )
          : value;
    const reordered = reversed(deployment.spec.template) as Deployment["spec"]["template"];
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(deployment.spec.template));
    expect(templateHash(reordered)).toBe(templateHash(deployment.spec.template));
    const changed = sourceControllerDeployment();
    changed.spec.template.spec.containers[0]?.args?.push("--log-level=debug");
    expect(templateHash(changed.spec.template)).not.toBe(templateHash(deployment.spec.template));
  });
});

function workload(
  program: RunnableWorkload["program"],
  identity: RunnableWorkload["identity"] = "kubeconfig",
): RunnableWorkload {
  return {
    namespace: "flux-system",
    name: program,
    program,
    binary: `/bin/${program}`,
    builtFor: { imageTag: "v1.9.5", version: "v1.9.5" },
    identity,
  };
}

function context(deployment: Deployment, target: RunnableWorkload): SubstitutionContext {
  const ports = new Map<string, number>();
  let next = 40000;
  return {
    workload: target,
    container: chooseContainer(deployment, target),
    volumes: deployment.spec.template.spec.volumes ?? [],
    apiServer: { host: "127.0.0.1", port: 6443 },
    files: {
      kubeconfig: "/state/kubeconfig",
      serviceAccountDir: "/state/serviceaccount",
      home: "/state/home",
      tmp: "/state/tmp",
      volumeDir: (volume) => `/state/volumes/${volume}`,
      imageDir: (path) => `/state/image${path}`,
    },
    port: async (purpose) => {
      if (!ports.has(purpose)) ports.set(purpose, next++);
      return ports.get(purpose) as number;
    },
  };
}

describe("the local substitutions", () => {
  it("sets a flag in place, removing repeats, and appends it when absent", () => {
    const args = ["--a", "--enable-leader-election", "--b=1", "--enable-leader-election=true"];
    setFlag(args, "--enable-leader-election", "false", false);
    expect(args).toEqual(["--a", "--enable-leader-election=false", "--b=1"]);
    const spaced = ["--listen-addr", ":8080", "--x"];
    setFlag(spaced, "--listen-addr", "127.0.0.1:1");
    expect(spaced).toEqual(["--listen-addr=127.0.0.1:1", "--x"]);
    const absent = ["--x"];
    setFlag(absent, "--metrics-addr", "127.0.0.1:2");
    expect(absent).toEqual(["--x", "--metrics-addr=127.0.0.1:2"]);
  });

  it("rewrites paths under a mount, longest mount first, and nothing else", () => {
    const mounts = new Map([
      ["/data", "/s/data"],
      ["/data/cache", "/s/cache"],
    ]);
    expect(rewritePath("/data", mounts)).toBe("/s/data");
    expect(rewritePath("/data/x/y", mounts)).toBe("/s/data/x/y");
    expect(rewritePath("/data/cache/z", mounts)).toBe("/s/cache/z");
    expect(rewritePath("/database", mounts)).toBe("/database");
    expect(rewritePath("http://x/data", mounts)).toBe("http://x/data");
  });

  it("gives every substitution a reason", () => {
    for (const substitution of SUBSTITUTIONS) {
      expect(substitution.reason.length, substitution.target).toBeGreaterThan(40);
    }
  });

  it("turns source-controller's Deployment into a loopback command line with its storage under the state dir", async () => {
    const deployment = sourceControllerDeployment();
    const target = workload("source-controller");
    const ctx = context(deployment, target);
    const env = await resolveEnvironment(ctx.container, [ctx.container], pod, node, reader());
    const line = containerCommandLine(ctx.container, env);
    const applied = await applySubstitutions(line, ctx);

    expect(line.args).toEqual([
      // Emptied: notification-controller is not run here, and no substitution pretends it is.
      "--events-addr=",
      "--watch-all-namespaces",
      "--log-level=info",
      "--log-encoding=json",
      "--enable-leader-election=false",
      "--storage-path=/state/volumes/data",
      "--storage-adv-addr=127.0.0.1:40002",
      "--metrics-addr=127.0.0.1:40000",
      "--health-addr=127.0.0.1:40001",
      "--storage-addr=127.0.0.1:40002",
    ]);
    expect(Object.fromEntries(line.env)).toEqual({
      RUNTIME_NAMESPACE: "flux-system",
      TUF_ROOT: "/state/volumes/tmp/.sigstore",
      GOMEMLIMIT: String(2 ** 30),
      PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
      HOME: "/state/home",
      TMPDIR: "/state/volumes/tmp",
      KUBECONFIG: "/state/kubeconfig",
    });
    expect(line.bindMounts).toEqual([]);
    expect(applied).toEqual(substitutionsFor(target).map((substitution) => substitution.target));
    expect(applied).not.toContain("WEB_SERVER_PORT");
  });

  it("empties an events address the Deployment gives, and adds none where it gives none", async () => {
    const deployment = sourceControllerDeployment();
    const container = deployment.spec.template.spec.containers[0] as Container;
    container.args = (container.args ?? []).filter((arg) => !arg.startsWith("--events-addr"));
    const target = workload("source-controller");
    const line = containerCommandLine(container, new Map());
    await applySubstitutions(line, context(deployment, target));
    expect(line.args.filter((arg) => arg.startsWith("--events-addr"))).toEqual([]);
  });

  it("gives an in-cluster program the service-account mount and the API server's address instead of a kubeconfig", async () => {
    const deployment = sourceControllerDeployment();
    deployment.metadata.name = "sealed-secrets-controller";
    const container = deployment.spec.template.spec.containers[0] as Container;
    container.args = ["--key-renew-period=0"];
    container.env = [];
    container.volumeMounts = [];
    const target = workload("sealed-secrets-controller", "in-cluster");
    const ctx = context(deployment, target);
    const line = containerCommandLine(ctx.container, new Map());
    await applySubstitutions(line, ctx);
    expect(line.args).toEqual([
      "--key-renew-period=0",
      "--listen-addr=127.0.0.1:40000",
      "--listen-metrics-addr=127.0.0.1:40001",
    ]);
    expect(line.env.get("KUBECONFIG")).toBeUndefined();
    expect(line.env.get("KUBERNETES_SERVICE_HOST")).toBe("127.0.0.1");
    expect(line.env.get("KUBERNETES_SERVICE_PORT")).toBe("6443");
    expect(line.bindMounts).toEqual([
      { source: "/state/serviceaccount", target: "/var/run/secrets/kubernetes.io/serviceaccount" },
    ]);
  });
});

describe("which image a built binary stands in for", () => {
  const [operator, sourceController, kustomizeController, sealedSecrets] = localWorkloads({
    operatorModuleDir: "/module",
    sealedSecrets: { namespace: "kube-system", name: "sealed-secrets-controller" },
  });

  it("is the tag each program was built at, as the Deployments name it", () => {
    expect(operator?.builtFor).toEqual({
      imageTag: toolVersions.fluxOperator,
      version: toolVersions.fluxOperator,
    });
    expect(sourceController?.builtFor.imageTag).toBe(toolVersions.fluxControllers);
    expect(kustomizeController?.builtFor.imageTag).toBe(toolVersions.fluxControllers);
    expect(sealedSecrets?.builtFor).toEqual({
      imageTag: toolVersions.kubeseal.replace(/^v/, ""),
      version: toolVersions.kubeseal,
    });
    const sealedSecretsImage = controllerDeployment({
      serviceAccountName: "sealed-secrets-controller",
      certificatesHash: "0",
      keySecretUids: "",
      waitForReadiness: false,
    }).spec.template.spec.containers[0]?.image;
    const images: [string | undefined, RunnableWorkload | undefined][] = [
      [fluxOperatorDeployment().spec.template.spec.containers[0]?.image, operator],
      [sourceControllerDeployment().spec.template.spec.containers[0]?.image, sourceController],
      [sealedSecretsImage, sealedSecrets],
    ];
    for (const [image, target] of images) {
      expect(target, image).toBeDefined();
      expect(imageMismatch(image, target as RunnableWorkload), image).toBeUndefined();
    }
  });

  it("refuses another tag, no tag or no image, naming the binary's version", () => {
    const source = sourceController as RunnableWorkload;
    expect(imageMismatch("ghcr.io/fluxcd/source-controller:v1.9.6", source)).toBe(
      `image ghcr.io/fluxcd/source-controller:v1.9.6 but the binary here is ${toolVersions.fluxControllers}`,
    );
    expect(
      imageMismatch(
        "docker.io/bitnami/sealed-secrets-controller:0.41.0",
        sealedSecrets as RunnableWorkload,
      ),
    ).toBe(
      `image docker.io/bitnami/sealed-secrets-controller:0.41.0 but the binary here is ${toolVersions.kubeseal}`,
    );
    expect(imageMismatch("ghcr.io/fluxcd/source-controller", source)).toMatch(/^image ghcr/);
    expect(imageMismatch(undefined, source)).toBe(
      `image (none) but the binary here is ${toolVersions.fluxControllers}`,
    );
  });

  it("reads the tag from references with a registry port or a digest", () => {
    expect(imageTagOf("localhost:5000/fluxcd/source-controller:v1.9.5")).toBe("v1.9.5");
    expect(imageTagOf("localhost:5000/fluxcd/source-controller")).toBeUndefined();
    expect(imageTagOf("ghcr.io/fluxcd/source-controller:v1.9.5@sha256:0a1b")).toBe("v1.9.5");
    expect(imageTagOf("ghcr.io/fluxcd/source-controller@sha256:0a1b")).toBeUndefined();
  });
});
