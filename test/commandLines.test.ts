/**
 * The command lines of the npm scripts that read theirs with tools/cliArgs.ts: what each
 * accepts, what it refuses before doing anything, its help, and where relative paths lead. The
 * commands themselves are not run, except through npm with `--help` or a wrong flag (with an
 * empty local environment of their own), to show that the entry point does nothing else first.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  commandLineOutcome,
  HELP,
  parseNoArguments,
  UsageError,
  type CommandText,
} from "../tools/cliArgs";
import { CLUSTER_DOWN_COMMAND } from "../tools/control-plane/down";
import { CLUSTER_UP_COMMAND, parseClusterUpArgs } from "../tools/control-plane/up";
import { GitOpsError } from "../tools/gitops/errors";
import { DOWN_LOCAL_COMMAND, whatIsKept } from "../tools/gitops/local/down";
import { requireEnvironmentRecord } from "../tools/gitops/local/environmentRecord";
import { LOCAL_DIR_VARIABLE, localEnvironmentLayout } from "../tools/gitops/local/layout";
import { LOCAL_PUSH_COMMAND, parseLocalPushArgs } from "../tools/gitops/local/push";
import { LOCAL_STATUS_COMMAND, parseLocalStatusArgs } from "../tools/gitops/local/status";
import { runningSupervisor } from "../tools/gitops/local/supervisorControl";
import { UP_LOCAL_COMMAND } from "../tools/gitops/local/up";
import { parseToolsBuildArgs, TOOLS_BUILD_COMMAND } from "../tools/go/cli";
import { allTools } from "../tools/go/registry";
import { BENCH_COMMAND, parseBenchArgs } from "../tools/local/bench";
import { OLDER_STATE_COMMAND } from "../tools/local/olderState";
import { outputDirectoryProblem } from "../tools/problems";
import { parseRenderArgs, RENDER_COMMAND } from "../tools/render/args";
import { REPO_ROOT } from "../tools/repoRoot";

const scratch = mkdtempSync(join(tmpdir(), "k8s-flux-command-lines-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The UsageError `parse` throws, by its message. */
function refusal(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error("it was accepted");
}

const names = (tools: readonly { name: string }[]): string[] => tools.map((tool) => tool.name);

describe("every command's help", () => {
  const commands: CommandText[] = [
    RENDER_COMMAND,
    TOOLS_BUILD_COMMAND,
    BENCH_COMMAND,
    LOCAL_STATUS_COMMAND,
    LOCAL_PUSH_COMMAND,
    CLUSTER_UP_COMMAND,
    CLUSTER_DOWN_COMMAND,
    UP_LOCAL_COMMAND,
    DOWN_LOCAL_COMMAND,
    OLDER_STATE_COMMAND,
  ];

  it.each(commands.map((command) => [command.name, command] as const))(
    "%s: shows how to run it, -h, and exit code 2 for bad arguments",
    (name, command) => {
      expect(command.usage).toMatch(new RegExp(`npm run (--silent )?${name}\\b`));
      expect(command.usage).toContain("-h, --help");
      expect(command.usage).toMatch(/\nExit codes: 0 [^\n]*, 2 bad arguments\.\n$/);
      expect(command.usage.endsWith("\n")).toBe(true);
    },
  );
});

describe("the commands that take nothing but --help", () => {
  it.each([CLUSTER_DOWN_COMMAND, UP_LOCAL_COMMAND, DOWN_LOCAL_COMMAND, OLDER_STATE_COMMAND])(
    "$name prints its usage for --help and refuses anything else, exit 2",
    (command) => {
      expect(commandLineOutcome(command, parseNoArguments, ["--help"])).toMatchObject({
        kind: "exit",
        code: 0,
        stdout: command.usage,
      });
      for (const argv of [["--bogus"], ["now"], ["--yes"]]) {
        expect(commandLineOutcome(command, parseNoArguments, argv)).toMatchObject({
          kind: "exit",
          code: 2,
          stdout: "",
        });
      }
    },
  );

  /**
   * `npm run --silent SCRIPT -- ...`, with an empty local environment of its own in scratch. The
   * scripts are the entry points alone: a tool build or a prerequisite check would print (and
   * take minutes when cold) before the usage or the refusal.
   */
  function npmRun(script: string, args: string[]) {
    const localDir = join(scratch, "environment");
    mkdirSync(localDir, { recursive: true });
    return spawnSync("npm", ["run", "--silent", script, "--", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, [LOCAL_DIR_VARIABLE]: localDir },
      encoding: "utf8",
      timeout: 60_000,
    });
  }

  it.each([UP_LOCAL_COMMAND, DOWN_LOCAL_COMMAND, OLDER_STATE_COMMAND])(
    "$name --help prints the usage alone, and nothing is built, checked or stopped",
    (command) => {
      const run = npmRun(command.name, ["--help"]);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(command.usage);
      expect(run.stderr).toBe("");
    },
  );

  it.each([LOCAL_STATUS_COMMAND, LOCAL_PUSH_COMMAND])(
    "$name on an environment up:local never set up says so and where it looked, exit 1",
    (command) => {
      const args = command === LOCAL_PUSH_COMMAND ? ["system", scratch] : [];
      const run = npmRun(command.name, args);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(
        `${command.name}: the local environment is not up: up:local has not run here (no ${join(scratch, "environment", "environment.json")}); run \`npm run up:local\`\n`,
      );
    },
  );

  it("down:local on an environment up:local never set up says nothing runs, exit 0", () => {
    const run = npmRun(DOWN_LOCAL_COMMAND.name, []);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("down:local: no control plane was running\n");
    expect(run.stdout).toContain("down:local: nothing of the local environment runs; ");
  });

  it.each([
    [DOWN_LOCAL_COMMAND.name, ["--bogus"], "unknown flag --bogus"],
    [UP_LOCAL_COMMAND.name, ["-h=yes"], "-h takes no value"],
    [UP_LOCAL_COMMAND.name, ["--hlep"], "unknown flag --hlep"],
    [BENCH_COMMAND.name, ["--bogus"], "unknown flag --bogus"],
  ])("%s %j is refused in one line, exit 2, and nothing else is done", (name, args, message) => {
    const run = npmRun(name, args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`${name}: ${message}; see \`npm run ${name} -- --help\`\n`);
  });
});

describe("render", () => {
  const userDir = "/home/me/work";

  it("takes one stack, and --out from the user's directory", () => {
    expect(parseRenderArgs(["dev"], userDir)).toEqual({ help: false, stack: "dev" });
    expect(parseRenderArgs(["dev", "--out", "out/dev"], userDir)).toEqual({
      help: false,
      stack: "dev",
      out: "/home/me/work/out/dev",
    });
    expect(parseRenderArgs(["--out=/tmp/prod", "prod"], userDir)).toEqual({
      help: false,
      stack: "prod",
      out: "/tmp/prod",
    });
    expect(parseRenderArgs(["dev", "-h"], userDir)).toBe(HELP);
  });

  it("refuses anything but one stack and a non-empty --out", () => {
    expect(refusal(() => parseRenderArgs([], userDir))).toBe("name the stack to render");
    expect(refusal(() => parseRenderArgs(["dev", "prod"], userDir))).toBe(
      'name exactly one stack; got "dev", "prod"',
    );
    expect(refusal(() => parseRenderArgs(["dev", "prod\u202e"], userDir))).toBe(
      'name exactly one stack; got "dev", "prod\\u202E"',
    );
    expect(refusal(() => parseRenderArgs(["dev", "--out", ""], userDir))).toBe(
      "--out needs a value",
    );
    expect(refusal(() => parseRenderArgs([""], userDir))).toBe(
      "STACK cannot be empty; name the stack to render",
    );
    expect(refusal(() => parseRenderArgs(["dev", "--bogus"], userDir))).toBe(
      "unknown flag --bogus",
    );
  });

  it("refuses an output directory that cannot be one before rendering", () => {
    const file = join(scratch, "a-file");
    writeFileSync(file, "x");
    const link = join(scratch, "to-proc");
    symlinkSync("/proc/self", link);

    expect(outputDirectoryProblem(scratch)).toBeUndefined();
    expect(outputDirectoryProblem(join(scratch, "new", "deeper"))).toBeUndefined();
    expect(outputDirectoryProblem(file)).toBe("it exists and is not a directory");
    expect(outputDirectoryProblem(join(file, "below"))).toBe(
      "a part of the path is not a directory",
    );
    // mkdir -p would loop forever there.
    expect(outputDirectoryProblem("/proc/nope")).toBe("it is under /proc, a kernel file system");
    expect(outputDirectoryProblem(join(link, "nope"))).toBe(
      "it is under /proc, a kernel file system",
    );
    expect(outputDirectoryProblem("/sys/nope/deeper")).toBe(
      "it is under /sys, a kernel file system",
    );
  });
});

describe("tools:build", () => {
  it("builds the default set with no names, and the named tools and groups", () => {
    expect(parseToolsBuildArgs([])).toMatchObject({ action: "build", repin: false });
    const defaults = parseToolsBuildArgs([]);
    expect(defaults.help === false && names(defaults.tools)).toEqual([
      "kubeseal",
      "kubernetes",
      "etcd",
      "pulumi",
      "pulumi-language-nodejs",
      "pulumi-resource-kubernetes",
      "pulumi-resource-tls",
    ]);
    const named = parseToolsBuildArgs(["etcd", "--repin"]);
    expect(named).toMatchObject({ action: "build", repin: true });
    expect(named.help === false && names(named.tools)).toEqual(["etcd"]);
  });

  it("refuses --repin without names: the default set's wrappers would be rewritten", () => {
    expect(refusal(() => parseToolsBuildArgs(["--repin"]))).toBe(
      "--repin needs the names of the tools or groups to repin",
    );
  });

  it("lists every tool, or the named ones, and refuses an unknown name", () => {
    const everything = parseToolsBuildArgs(["--list"]);
    expect(everything).toMatchObject({ action: "list", everything: true });
    expect(everything.help === false && names(everything.tools)).toEqual(names(allTools));
    const some = parseToolsBuildArgs(["--list", "control-plane"]);
    expect(some).toMatchObject({ action: "list", everything: false });
    expect(some.help === false && names(some.tools)).toEqual(["kubernetes", "etcd"]);
    expect(refusal(() => parseToolsBuildArgs(["--list", "bogus"]))).toMatch(
      /^unknown tool or group "bogus"; choose from kubeseal, /,
    );
    expect(refusal(() => parseToolsBuildArgs(["kubesael"]))).toMatch(/^unknown tool or group/);
    expect(refusal(() => parseToolsBuildArgs(["--list", "--repin", "etcd"]))).toBe(
      "--list and --repin do not go together",
    );
    expect(refusal(() => parseToolsBuildArgs(["--list=yes"]))).toBe("--list takes no value");
  });
});

describe("bench", () => {
  it("runs both sections, or the one --only names", () => {
    expect(parseBenchArgs([])).toEqual({ help: false, sections: ["single-stack", "fleet"] });
    expect(parseBenchArgs(["--only", "fleet"])).toEqual({ help: false, sections: ["fleet"] });
    expect(refusal(() => parseBenchArgs(["--only", "fleeet"]))).toBe(
      '--only "fleeet": expected one of single-stack, fleet',
    );
    expect(refusal(() => parseBenchArgs(["--only"]))).toBe("--only needs a value");
  });
});

describe("the local environment's own files", () => {
  const layout = (name: string) => {
    const dir = join(scratch, name);
    mkdirSync(dir, { recursive: true });
    return localEnvironmentLayout({ [LOCAL_DIR_VARIABLE]: dir });
  };

  it("up:local's record is required, and one that is not JSON or not a record is named", () => {
    const { record } = layout("records");
    expect(() => requireEnvironmentRecord(record)).toThrow(
      `the local environment is not up: up:local has not run here (no ${record}); run \`npm run up:local\``,
    );
    const notRecord = `${record} is not a local environment record; run \`npm run up:local\``;
    for (const text of [
      "{",
      "null",
      "[]",
      '{"kubeconfig":"k","gitServerDir":"g","repositories":[null]}',
    ]) {
      writeFileSync(record, text);
      expect(() => requireEnvironmentRecord(record), text).toThrow(new GitOpsError(notRecord));
    }
    const good = {
      kubeconfig: "/k",
      gitServerDir: "/g",
      repositories: [{ target: "system", repository: "acme/fleet", url: "ssh://x", path: "c" }],
    };
    writeFileSync(record, JSON.stringify(good));
    expect(requireEnvironmentRecord(record)).toEqual(good);
  });

  it("a supervisor record that is not one is named, with what to do", () => {
    const environment = layout("supervisor");
    const notRecord = new GitOpsError(
      `${environment.supervisorState} is not a supervisor record; stop the supervisor by hand (its pid is in ${environment.supervisorLog}) and remove the file`,
    );
    for (const text of ["", "{", '{"pid":"1"}', "null"]) {
      writeFileSync(environment.supervisorState, text);
      expect(() => runningSupervisor(environment), text).toThrow(notRecord);
    }
    // pid 1 is init, never a supervisor started at time 0.
    writeFileSync(environment.supervisorState, '{"pid":1,"startTime":0}');
    expect(runningSupervisor(environment)).toBeUndefined();
  });
});

describe("local:status", () => {
  it("takes --json and nothing else", () => {
    expect(parseLocalStatusArgs([])).toEqual({ help: false, json: false });
    expect(parseLocalStatusArgs(["--json"])).toEqual({ help: false, json: true });
    expect(refusal(() => parseLocalStatusArgs(["--json=1"]))).toBe("--json takes no value");
    expect(refusal(() => parseLocalStatusArgs(["json"]))).toBe('unexpected argument "json"');
  });
});

describe("local:push", () => {
  const app = join(scratch, "home", "app");
  const site = join(scratch, "home", "site");
  mkdirSync(app, { recursive: true });
  mkdirSync(site, { recursive: true });

  it("takes a sync and a directory, relative to the user's directory", () => {
    expect(parseLocalPushArgs(["system", "."], app)).toEqual({
      help: false,
      target: "system",
      dir: app,
    });
    expect(parseLocalPushArgs(["shop", "../site"], app)).toEqual({
      help: false,
      target: "shop",
      dir: site,
    });
    expect(parseLocalPushArgs(["shop", site], "/")).toMatchObject({ dir: site });
    expect(parseLocalPushArgs(["--help"], app)).toBe(HELP);
  });

  it("refuses anything but two arguments", () => {
    expect(refusal(() => parseLocalPushArgs(["system"], app))).toBe(
      "name the sync and the directory: TARGET DIR",
    );
    expect(refusal(() => parseLocalPushArgs(["system", "a", "b"], app))).toBe(
      'unexpected argument "b"; give one TARGET and one DIR',
    );
    expect(refusal(() => parseLocalPushArgs(["system", ""], app))).toBe(
      "TARGET and DIR cannot be empty",
    );
    expect(refusal(() => parseLocalPushArgs(["--force", "system", "a"], app))).toBe(
      "unknown flag --force",
    );
  });

  it("refuses a DIR that is missing or no directory, before the environment is looked at", () => {
    const file = join(app, "notes.txt");
    writeFileSync(file, "x");
    expect(refusal(() => parseLocalPushArgs(["system", "missing"], app))).toBe(
      `DIR "${join(app, "missing")}": no such file`,
    );
    expect(refusal(() => parseLocalPushArgs(["system", "notes.txt"], app))).toBe(
      `DIR "${file}": not a directory`,
    );
    expect(refusal(() => parseLocalPushArgs(["system", "notes.txt/x"], app))).toBe(
      `DIR "${join(file, "x")}": a part of the path is not a directory`,
    );
  });
});

describe("cluster:up", () => {
  it("takes a port from 1 to 65535", () => {
    expect(parseClusterUpArgs([])).toEqual({ help: false });
    expect(parseClusterUpArgs(["--port", "6443"])).toEqual({ help: false, port: 6443 });
    expect(parseClusterUpArgs(["--port=65535"])).toEqual({ help: false, port: 65_535 });
  });

  it("refuses anything else as the port", () => {
    for (const port of ["0", "65536", "abc", "1.5", "+1", "=-1"]) {
      expect(refusal(() => parseClusterUpArgs([`--port=${port}`]))).toBe(
        `--port ${JSON.stringify(port)}: expected a port number, 1 to 65535`,
      );
    }
    expect(refusal(() => parseClusterUpArgs(["--port", "-1"]))).toBe(
      '--port needs a value; a value that starts with "-" must be written --port=-1',
    );
  });
});

describe("down:local's last line", () => {
  it("names only what is there to keep", () => {
    const gitServer = join(scratch, "git-server");
    const backend = join(scratch, "stack", "state");
    expect(whatIsKept({ gitServer, backend })).toBe(
      `it has no git server (${gitServer}) or stack state (${backend}) to keep`,
    );
    mkdirSync(backend, { recursive: true });
    expect(whatIsKept({ gitServer, backend })).toBe(`the stack's state (${backend}) is kept`);
    mkdirSync(gitServer);
    expect(whatIsKept({ gitServer, backend })).toBe(
      `the git server's repositories and keys (${gitServer}) and the stack's state (${backend}) are kept`,
    );
    rmSync(backend, { recursive: true });
    expect(whatIsKept({ gitServer, backend })).toBe(
      `the git server's repositories and keys (${gitServer}) are kept`,
    );
  });
});
