/**
 * The package as a project that installed it sees it: `npm pack` packs this repository as npm
 * packs a git dependency (the `prepare` script compiles components/ to dist/components first),
 * and the tarball is unpacked into a fresh project's node_modules. The package's dependencies
 * are linked from this checkout's node_modules instead of being installed again: `npm install`
 * of the tarball took 17 to 23 s, and of a git dependency 53 s (docs/library.md). Shared by the
 * unit stage's library test and the e2e stage's consumer program.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../tools/repoRoot";

const run = promisify(execFile);

/** How a user imports the components. */
export const IMPORT_FROM_PACKAGE = 'from "k8s-flux/components";';

/**
 * A consumer project's compiler options. skipLibCheck: checking @pulumi/aws's declarations too
 * doubles the time; they pass (docs/library.md).
 */
const CONSUMER_COMPILER_OPTIONS = {
  strict: true,
  target: "ES2020",
  types: [],
  lib: ["ES2020"],
  skipLibCheck: true,
} as const;

/**
 * A consumer project's tsconfig.json text: `resolution` "node" is a CommonJS project as Pulumi's
 * Node.js runtime compiles one, "node16" one that resolves through the package's `exports`.
 */
export function consumerTsconfig(
  resolution: "node" | "node16",
  files: readonly string[],
  moreOptions: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    compilerOptions: {
      ...CONSUMER_COMPILER_OPTIONS,
      module: resolution === "node" ? "commonjs" : "node16",
      moduleResolution: resolution,
      ...moreOptions,
    },
    files,
  });
}

export interface InstalledPackage {
  /** The consumer project: its package.json, and node_modules with k8s-flux in it. */
  readonly dir: string;
  /** Every file the tarball holds, relative to the package's root. */
  readonly packedFiles: string[];
}

interface Manifest {
  readonly dependencies: Record<string, string>;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/**
 * Packs the repository into `workDir` and lays the package out in `workDir/consumer`, as
 * `npm install` of the tarball would: the package under node_modules/k8s-flux and its
 * dependencies beside it (here links to this checkout's, which are the versions it pins). The
 * project's package.json depends on the tarball and on `ownDependencies`, pinned at the versions
 * the package pins, as docs/library.md tells a user to pin them.
 */
export async function installPackedPackage(
  workDir: string,
  ownDependencies: readonly string[] = [],
): Promise<InstalledPackage> {
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", workDir], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  const tarball = (JSON.parse(stdout) as { filename: string; files: { path: string }[] }[])[0];
  if (tarball === undefined) throw new Error("npm pack reported no tarball");

  const dir = join(workDir, "consumer");
  const installed = join(dir, "node_modules", "k8s-flux");
  mkdirSync(installed, { recursive: true });
  await run("tar", [
    "-xzf",
    join(workDir, tarball.filename),
    "-C",
    installed,
    "--strip-components=1",
  ]);
  const pinned = readManifest(installed).dependencies;
  for (const dependency of Object.keys(pinned)) {
    const link = join(dir, "node_modules", dependency);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(REPO_ROOT, "node_modules", dependency), link, "dir");
  }

  const dependencies: Record<string, string> = { "k8s-flux": `file:../${tarball.filename}` };
  for (const dependency of ownDependencies) {
    const version = pinned[dependency];
    if (version === undefined) throw new Error(`k8s-flux does not depend on ${dependency}`);
    dependencies[dependency] = version;
  }
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "platform", private: true, dependencies }, null, 2)}\n`,
  );
  return { dir, packedFiles: tarball.files.map((file) => file.path) };
}

/**
 * A program written inside this repository, importing the components by `importInRepository`
 * (such as `from "../../../components";`), as a user writes it: importing `k8s-flux/components`.
 * Refuses a program that does not import them exactly once that way.
 */
export function asPackageUser(program: string, importInRepository: string, name: string): string {
  if (program.split(importInRepository).length !== 2) {
    throw new Error(`${name} should import ${importInRepository} once`);
  }
  return program.replace(importInRepository, IMPORT_FROM_PACKAGE);
}
