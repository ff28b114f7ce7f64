/**
 * The components as a library, from outside this repository: the package is packed and laid out
 * in a fresh project's node_modules as libraryPackage.ts does it, and that project imports
 * `k8s-flux/components`. Node loads it; tsc type-checks the library example against the
 * installed declarations; the example, compiled, runs under Pulumi's mocks and registers the
 * cluster's resources. test/e2e/libraryConsumer.test.ts deploys a consumer program installed the
 * same way with the real engine.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../tools/repoRoot";
import {
  asPackageUser,
  consumerTsconfig,
  IMPORT_FROM_PACKAGE,
  installPackedPackage,
} from "./libraryPackage";

const EXAMPLE_DIR = join(REPO_ROOT, "docs", "examples", "library");
const TSC = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
/** How the example imports the components inside this repository. */
const IMPORT_IN_REPOSITORY = 'from "../../../components";';

/** Files npm packs whatever "files" says: the manifest, the readme, "main" and "bin" targets. */
const ALWAYS_PACKED = ["package.json", "README.md", "index.ts", "tools/seal/bin.mjs"];
/**
 * What the `k8s-flux-seal` command runs: the seal command's sources, the command-line modules it
 * shares with the other commands, how messages quote values, and the output names.
 */
const SEAL_COMMAND = (): string[] => [
  ...readdirSync(join(REPO_ROOT, "tools", "seal"))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => `tools/seal/${file}`),
  "components/shared/quotedText.ts",
  "tools/cliArgs.ts",
  "tools/problems.ts",
  "tools/userDirectory.ts",
  "stacks/names.ts",
];

/** A wrong argument a user could write: its error shows the declarations are the real types. */
const MISUSE = `import { ApplicationFlux } ${IMPORT_FROM_PACKAGE}

new ApplicationFlux("payments", {
  source: { repository: "git@github.com:acme/payments-flux.git" },
  clusterName: "prod-eks",
  podSecurity: "lenient",
});
`;

interface Registration {
  readonly type: string;
  readonly name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly inputs: Record<string, any>;
}

interface Consumer {
  readonly dir: string;
  readonly packedFiles: string[];
  /** tsc with `moduleResolution: node`, which ignores "exports" and reads "typesVersions". */
  readonly classicCheck: { status: number | null; output: string };
  /** tsc with `moduleResolution: node16`, which reads "exports". */
  readonly node16Check: { status: number | null; output: string };
}

let workDir = "";
let consumer: Consumer;

/** Runs a command in the consumer project, returning its exit status and everything it printed. */
function runIn(dir: string, command: string, args: string[]) {
  const run = spawnSync(command, args, { cwd: dir, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}`, stdout: run.stdout };
}

/** tsc with the given project file, in the consumer project. */
function typeCheck(dir: string, project: string): { status: number | null; output: string } {
  const { status, output } = runIn(dir, process.execPath, [TSC, "-p", project]);
  return { status, output };
}

/** Every .ts file under a directory, relative to it. */
function typeScriptSources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts"))
    .sort();
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "k8s-flux-library-"));
  const { dir, packedFiles } = await installPackedPackage(workDir);
  const example = readFileSync(join(EXAMPLE_DIR, "index.ts"), "utf8");
  writeFileSync(
    join(dir, "index.ts"),
    asPackageUser(example, IMPORT_IN_REPOSITORY, "docs/examples/library/index.ts"),
  );
  writeFileSync(
    join(dir, "underMocks.ts"),
    readFileSync(join(EXAMPLE_DIR, "underMocks.ts"), "utf8"),
  );
  writeFileSync(join(dir, "misuse.ts"), MISUSE);
  writeFileSync(
    join(dir, "tsconfig.json"),
    consumerTsconfig("node", ["index.ts", "underMocks.ts"], { outDir: "bin" }),
  );
  writeFileSync(
    join(dir, "tsconfig.node16.json"),
    consumerTsconfig("node16", ["index.ts", "misuse.ts"], { noEmit: true }),
  );
  consumer = {
    dir,
    packedFiles,
    classicCheck: typeCheck(dir, "tsconfig.json"),
    node16Check: typeCheck(dir, "tsconfig.node16.json"),
  };
}, 180_000);

afterAll(() => {
  if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
});

describe("the package, packed as for a git dependency", () => {
  it("holds the compiled components and the seal command, and no other part of the repository", () => {
    const sources = typeScriptSources(join(REPO_ROOT, "components"));
    expect(sources.length).toBeGreaterThan(40);
    const compiled = consumer.packedFiles.filter((path) => path.startsWith("dist/components/"));
    expect(compiled.sort()).toEqual(
      sources
        .flatMap((source) => {
          const base = `dist/components/${source.replace(/\.ts$/, "")}`;
          return [`${base}.d.ts`, `${base}.js`];
        })
        .sort(),
    );
    expect(consumer.packedFiles.filter((path) => !compiled.includes(path)).sort()).toEqual(
      [...ALWAYS_PACKED, ...SEAL_COMMAND()].sort(),
    );
  });
});

describe("a project with the package installed", () => {
  it("runs the k8s-flux-seal command from the installed package", () => {
    const run = runIn(consumer.dir, process.execPath, [
      join("node_modules", "k8s-flux", "tools", "seal", "bin.mjs"),
      "--help",
    ]);
    expect(run.status, run.output).toBe(0);
    expect(run.stdout).toContain("Seal a Kubernetes Secret for this cluster's Sealed Secrets");
  });

  it("loads k8s-flux/components with Node, with the same @pulumi/pulumi as its own", () => {
    const probe = `
      const components = require("k8s-flux/components");
      const fromPackage = require.resolve("@pulumi/pulumi", {
        paths: [require("node:path").dirname(require.resolve("k8s-flux/components"))],
      });
      let root;
      try { require("k8s-flux"); root = "loaded"; } catch (error) { root = error.code; }
      console.log(JSON.stringify({
        classes: Object.keys(components).filter((name) => typeof components[name] === "function"
          && components[name].prototype instanceof require("@pulumi/pulumi").ComponentResource),
        samePulumi: fromPackage === require.resolve("@pulumi/pulumi"),
        root,
      }));`;
    const run = runIn(consumer.dir, process.execPath, ["-e", probe]);
    expect(run.status, run.output).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      classes: [
        "ApplicationFlux",
        "DeployKey",
        "ExternalDns",
        "MetricsServer",
        "NewRelic",
        "SealedSecrets",
        "SystemFlux",
      ],
      samePulumi: true,
      // The package's root is the Pulumi program, which reads this project's stack config.
      root: "ERR_PACKAGE_PATH_NOT_EXPORTED",
    });
  });

  it("type-checks the library example against the installed declarations", () => {
    expect(consumer.classicCheck).toEqual({ status: 0, output: "" });
    // Under node16 resolution the example is clean too; the one error is the misuse's.
    expect(consumer.node16Check.status).toBe(2);
    expect(consumer.node16Check.output.trim().split("\n")).toEqual([
      // The union's order differs from one run of tsc to another.
      expect.stringMatching(
        /^misuse\.ts\(6,3\): error TS2322: Type '"lenient"' is not assignable to type '(?=[^']*"baseline")(?=[^']*"restricted")[^']*'\.$/,
      ),
    ]);
  });

  it("runs the compiled example under Pulumi's mocks", () => {
    const run = runIn(consumer.dir, process.execPath, [join("bin", "underMocks.js")]);
    expect(run.status, run.output).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as unknown);
    const outputs = (lines.pop() as { outputs: Record<string, string> }).outputs;
    const registered = lines as Registration[];
    const one = (type: string, name: string): Registration => {
      const found = registered.filter((r) => r.type === type && r.name === name);
      expect(found, `${type} ${name}`).toHaveLength(1);
      return found[0] as Registration;
    };

    expect(
      registered
        .filter((r) => r.type.startsWith("k8s-flux:"))
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
    ).toEqual([
      "k8s-flux:applicationFlux:ApplicationFlux payments",
      "k8s-flux:deployKey:DeployKey payments-deploy-key",
      "k8s-flux:deployKey:DeployKey system-flux-deploy-key",
      "k8s-flux:externalDns:ExternalDns external-dns",
      "k8s-flux:metricsServer:MetricsServer metrics-server",
      "k8s-flux:sealedSecrets:SealedSecrets sealed-secrets",
      "k8s-flux:systemFlux:SystemFlux system-flux",
    ]);
    const gitRepository = one(
      "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
      "payments-gitrepository",
    );
    expect(gitRepository.inputs["metadata"].namespace).toBe("payments-flux");
    expect(gitRepository.inputs["spec"].url).toBe("ssh://git@github.com/acme/payments-flux.git");
    expect(
      one("kubernetes:core/v1:Namespace", "payments-namespace").inputs["metadata"].labels[
        "pod-security.kubernetes.io/enforce"
      ],
    ).toBe("restricted");
    // Values from the other team's stack reach the resources built from them.
    expect(
      one("github:index/repositoryDeployKey:RepositoryDeployKey", "payments-deploy-key-github")
        .inputs,
    ).toMatchObject({ repository: "payments-flux", title: "k8s-flux prod-eks payments" });
    expect(one("aws:iam/role:Role", "external-dns-role").inputs["assumeRolePolicy"]).toContain(
      "oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
    );
    expect(outputs).toMatchObject({
      paymentsNamespace: "payments",
      paymentsPublicKey: "ecdsa-sha2-nistp384 AAAAEXAMPLEpayments-deploy-key-key",
    });
  });
});
