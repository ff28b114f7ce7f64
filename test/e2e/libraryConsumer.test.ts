/**
 * The components as a library, with the real Pulumi engine: the package is packed and installed
 * into a project outside this repository (libraryPackage.ts), and a program of that project's own
 * (fixtures/libraryConsumer/), importing `k8s-flux/components`, declares a tenant for a
 * repository outside GitHub and Sealed Secrets with an explicit Kubernetes provider. `pulumi up`
 * deploys it to a control plane of its own that has Flux's CRDs, as Flux managed elsewhere leaves
 * them; the cluster holds what the stack's outputs say, the state holds no private key in
 * plaintext, a second `pulumi up` changes nothing, and `pulumi destroy --exclude-protected`
 * removes the tenant and keeps the sealing key. Each step builds on the one before. The project
 * is in the system's temporary directory, so Node resolves nothing from this checkout's
 * node_modules but through the links the install made; the control plane and state are under
 * .cache/e2e-library. No process is left running, whatever fails.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TENANT_LABEL } from "../../components/applicationFlux/tenancy";
import { STACK_OWNERSHIP_LABEL, stackOwnershipValue } from "../../components/shared/ownership";
import { DEFAULT_SEALING_KEY } from "../../components/sealedSecrets/defaults";
import type { ControlPlane } from "../../tools/control-plane/controlPlane";
import { KubeApi } from "../../tools/kube/api";
import { installFluxCrds } from "../../tools/local/cluster";
import { type PulumiContext, pulumiOk, runPulumi } from "../../tools/local/pulumi";
import { REPO_ROOT } from "../../tools/repoRoot";
import { asPackageUser, consumerTsconfig, installPackedPackage } from "../libraryPackage";
import { chainSteps } from "../steps";
import { ControlPlanes } from "./steps";

const WORK_DIR = join(REPO_ROOT, ".cache", "e2e-library");
const FIXTURE_DIR = join(REPO_ROOT, "test", "e2e", "fixtures", "libraryConsumer");
const IMPORT_IN_REPOSITORY = 'from "../../../../components";';
/** The stack, as the file backend names it: its organization is always `organization`. */
const STACK = { organization: "organization", project: "library-consumer", stack: "dev" };
const STACK_ARGS = ["--stack", STACK.stack];
/** What the fixture declares. */
const TENANT = "payments";
const REPOSITORY_URL = "ssh://git@127.0.0.1:2222/acme/payments.git";

const controlPlanes = new ControlPlanes();
let projectParent = "";
let context: PulumiContext;

interface Outputs {
  readonly paymentsNamespace: string;
  readonly paymentsPublicKey: string;
  readonly sealingCertificate: string;
}

const admin = (): KubeApi => new KubeApi(controlPlanes.cluster);

async function startCluster(): Promise<ControlPlane> {
  const cluster = await controlPlanes.start(join(WORK_DIR, "cluster"));
  await installFluxCrds(new KubeApi(cluster));
  return cluster;
}

/** The fixture, importing the installed package, with a tsconfig as a user's project has one. */
function writeProgram(dir: string): void {
  const program = readFileSync(join(FIXTURE_DIR, "index.ts"), "utf8");
  writeFileSync(
    join(dir, "index.ts"),
    asPackageUser(program, IMPORT_IN_REPOSITORY, "test/e2e/fixtures/libraryConsumer/index.ts"),
  );
  writeFileSync(join(dir, "Pulumi.yaml"), readFileSync(join(FIXTURE_DIR, "Pulumi.yaml")));
  writeFileSync(join(dir, "tsconfig.json"), consumerTsconfig("node", ["index.ts"]));
}

/** Every value settled, or the first failure once all have: nothing started is left unrecorded. */
async function allSettled<T extends unknown[]>(
  ...work: { [K in keyof T]: Promise<T[K]> }
): Promise<T> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as T;
}

/** A Secret's field, decoded; fails naming the Secret when it or the field is missing. */
async function secretField(namespace: string, name: string, field: string): Promise<string> {
  const response = await admin().get(`/api/v1/namespaces/${namespace}/secrets/${name}`);
  expect(response.status, `Secret ${namespace}/${name}`).toBe(200);
  const value = (response.body as { data?: Record<string, string> }).data?.[field];
  expect(value, `Secret ${namespace}/${name} ${field}`).toEqual(expect.any(String));
  return Buffer.from(value ?? "", "base64").toString("utf8");
}

const namespaceStatus = async (name: string): Promise<number> =>
  (await admin().get(`/api/v1/namespaces/${name}`)).status;

/** The last lines of a command's output, for a failure message. */
const tail = (text: string): string => text.trim().split("\n").slice(-30).join("\n");

chainSteps();
// Registered before the control planes' teardown, so that it runs after it.
afterAll(() => {
  if (projectParent !== "") rmSync(projectParent, { recursive: true, force: true });
});
controlPlanes.stopAfterAll();

beforeAll(async () => {
  rmSync(WORK_DIR, { recursive: true, force: true });
  projectParent = mkdtempSync(join(tmpdir(), "k8s-flux-library-consumer-"));
  // Packing compiles the components while the control plane starts.
  const [installed, cluster] = await allSettled(
    installPackedPackage(projectParent, ["@pulumi/kubernetes", "@pulumi/pulumi"]),
    startCluster(),
  );
  writeProgram(installed.dir);
  context = { cwd: installed.dir, backendDir: join(WORK_DIR, "state") };
  await pulumiOk(["stack", "init", STACK.stack], context);
  await pulumiOk(["config", "set", "kubeconfig", cluster.kubeconfigPath, ...STACK_ARGS], context);
});

describe("a program of its own, with the package installed, deployed by the real engine", () => {
  let outputs: Outputs;

  it("1. pulumi up creates the tenant and Sealed Secrets", async () => {
    const result = await pulumiOk(["up", "--yes", ...STACK_ARGS], context);
    expect(Number(/(\d+) created/.exec(result.stdout)?.[1] ?? 0)).toBeGreaterThan(0);
    outputs = JSON.parse(
      (await pulumiOk(["stack", "output", "--json", ...STACK_ARGS], context)).stdout,
    ) as Outputs;
    expect(outputs).toEqual({
      paymentsNamespace: TENANT,
      paymentsPublicKey: expect.stringMatching(/^ecdsa-sha2-nistp384 [A-Za-z0-9+/]+=*$/),
      sealingCertificate: expect.stringMatching(
        /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/,
      ),
    });
  });

  it("2. the cluster holds what the outputs say", async () => {
    for (const name of [outputs.paymentsNamespace, `${TENANT}-flux`]) {
      const response = await admin().get(`/api/v1/namespaces/${name}`);
      expect(response.status, `Namespace ${name}`).toBe(200);
      const labels = (response.body as { metadata: { labels?: Record<string, string> } }).metadata
        .labels;
      expect(labels, `Namespace ${name}`).toMatchObject({
        [TENANT_LABEL]: TENANT,
        [STACK_OWNERSHIP_LABEL]: stackOwnershipValue(STACK),
        "pod-security.kubernetes.io/enforce": "baseline",
      });
    }
    expect(await secretField(`${TENANT}-flux`, `${TENANT}-deploy-key`, "identity.pub")).toBe(
      outputs.paymentsPublicKey,
    );
    expect(await secretField("kube-system", DEFAULT_SEALING_KEY, "tls.crt")).toBe(
      outputs.sealingCertificate,
    );
    const gitRepository = await admin().get(
      await admin().path("source.toolkit.fluxcd.io/v1", "GitRepository", `${TENANT}-flux`, TENANT),
    );
    expect(gitRepository.status, "GitRepository").toBe(200);
    expect(gitRepository.body).toMatchObject({
      spec: { url: REPOSITORY_URL, secretRef: { name: `${TENANT}-deploy-key` } },
    });
  });

  it("3. the state holds no private key in plaintext", async () => {
    const plain = (await pulumiOk(["stack", "export", ...STACK_ARGS], context)).stdout;
    const decrypted = (
      await pulumiOk(["stack", "export", "--show-secrets", ...STACK_ARGS], context)
    ).stdout;
    // The deploy key and the sealing key are in the state, or the check checks nothing.
    const keys = new Set(
      decrypted
        .replace(/\\\\n|\\n/g, "\n")
        .match(/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g),
    );
    expect(keys.size).toBeGreaterThanOrEqual(2);
    expect(plain).not.toContain("PRIVATE KEY-----");
  });

  it("4. pulumi up again reports no changes", async () => {
    const result = await runPulumi(["up", "--yes", "--expect-no-changes", ...STACK_ARGS], context);
    expect(result.code, `the second pulumi up changed something:\n${tail(result.stdout)}`).toBe(0);
  });

  it("5. pulumi destroy --exclude-protected removes the tenant and keeps the sealing key", async () => {
    const result = await pulumiOk(
      ["destroy", "--yes", "--exclude-protected", ...STACK_ARGS],
      context,
    );
    expect(`${result.stdout}\n${result.stderr}`).toMatch(/protected/i);
    expect(await namespaceStatus(TENANT)).toBe(404);
    expect(await namespaceStatus(`${TENANT}-flux`)).toBe(404);
    // The key Secret stays in the cluster, and the key and certificate in the state.
    expect(await secretField("kube-system", DEFAULT_SEALING_KEY, "tls.crt")).toBe(
      outputs.sealingCertificate,
    );
    const state = JSON.parse(
      (await pulumiOk(["stack", "export", ...STACK_ARGS], context)).stdout,
    ) as { deployment: { resources?: { type: string; protect?: boolean }[] } };
    expect(
      (state.deployment.resources ?? [])
        .filter((resource) => resource.protect)
        .map((resource) => resource.type)
        .sort(),
    ).toEqual(["tls:index/privateKey:PrivateKey", "tls:index/selfSignedCert:SelfSignedCert"]);
  });
});
