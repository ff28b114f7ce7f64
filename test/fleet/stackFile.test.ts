/**
 * Each stack's Pulumi.<stack>.yaml: a stack with none in the project directory is refused before
 * anything runs, and the CLI is given a copy of the one there is, so that what it writes (the
 * secrets provider's settings the file lacks) never lands in the project directory.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withoutStackFile } from "../../tools/fleet/fleet";
import {
  copyStackFile,
  copyWritten,
  copyWrittenNote,
  missingStackFile,
  stackConfigDirectory,
  stackFilePath,
} from "../../tools/fleet/stackFile";

const PROD_CONFIG = "config:\n  k8s-flux:clusterName: prod-eks\n";

let scratch = "";
let project = "";
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "k8s-flux-fleet-stack-file-"));
  project = join(scratch, "project");
  mkdirSync(join(project, "Pulumi.staging.yaml"), { recursive: true });
  writeFileSync(join(project, "Pulumi.prod.yaml"), PROD_CONFIG);
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe("stack files", () => {
  it("are named after the stack's own name, where the backend qualifies it", () => {
    expect(stackFilePath("/srv/k8s-flux", "prod")).toBe("/srv/k8s-flux/Pulumi.prod.yaml");
    expect(stackFilePath("/srv/k8s-flux", "acme/k8s-flux/prod-eu")).toBe(
      "/srv/k8s-flux/Pulumi.prod-eu.yaml",
    );
  });

  it("are looked for where Pulumi.yaml's stackConfigDir says, or its older string config", () => {
    expect(stackConfigDirectory("/srv/k8s-flux", { name: "k8s-flux" })).toBe("/srv/k8s-flux");
    expect(stackConfigDirectory("/srv/k8s-flux", { stackConfigDir: "stacks/config" })).toBe(
      "/srv/k8s-flux/stacks/config",
    );
    expect(stackConfigDirectory("/srv/k8s-flux", { config: "../configs" })).toBe("/srv/configs");
    // A config map is the project's config, not a directory.
    expect(stackConfigDirectory("/srv/k8s-flux", { config: { "aws:region": "eu-west-1" } })).toBe(
      "/srv/k8s-flux",
    );
  });

  it("must be there, as a file, for the stack to run", () => {
    expect(missingStackFile(project, "prod")).toBeUndefined();
    expect(missingStackFile(project, "acme/prod")).toBeUndefined();
    expect(missingStackFile(project, "bystander")).toBe(
      `no stack file Pulumi.bystander.yaml in ${project}; nothing was run`,
    );
    expect(missingStackFile(project, "staging")).toBe(
      `no stack file Pulumi.staging.yaml in ${project}; nothing was run`,
    );
  });

  it("refused, the stack is invalid-config with a log saying nothing ran", () => {
    const logFile = join(scratch, "bystander.log");
    const problem = missingStackFile(project, "bystander") ?? "";
    const outcome = withoutStackFile("bystander", "preview", problem, logFile);
    expect(outcome).toEqual({
      stack: "bystander",
      operation: "preview",
      result: "invalid-config",
      changes: null,
      startedAt: null,
      finishedAt: null,
      durationSeconds: null,
      firstError: `no stack file Pulumi.bystander.yaml in ${project}; nothing was run`,
      configProblems: [],
      drift: [],
      leftMidUpdate: false,
      pendingOperations: 0,
      logFile,
    });
    expect(readFileSync(logFile, "utf8")).toBe(
      `fleet: preview: invalid-config: no stack file Pulumi.bystander.yaml in ${project}; nothing was run\n` +
        "fleet: the stack is in the backend, but its config is not in the project directory; the CLI would have created a stack file there\n",
    );
  });

  it("are copied for the CLI, whose writes to the copy leave the file as it was", () => {
    const copies = join(scratch, "copies");
    mkdirSync(copies);
    const file = copyStackFile(project, "acme/k8s-flux/prod", copies);
    expect(file.original).toBe(join(project, "Pulumi.prod.yaml"));
    expect(file.copy).toBe(join(copies, "Pulumi.acme__k8s-flux__prod.yaml"));
    expect(readFileSync(file.copy, "utf8")).toBe(PROD_CONFIG);
    expect(copyWritten(file)).toBe(false);

    // What the CLI does to a passphrase stack's file that lacks its salt.
    writeFileSync(file.copy, `encryptionsalt: v1:c2FsdA==:v1:aXY=:dGFn\n${PROD_CONFIG}`);
    expect(copyWritten(file)).toBe(true);
    expect(readFileSync(file.original, "utf8")).toBe(PROD_CONFIG);
    expect(copyWrittenNote(file)).toBe(
      `fleet: the pulumi CLI added to its copy of ${file.original} what that file lacks (the secrets provider's settings, such as encryptionsalt); the file itself was left as it was\n`,
    );
  });

  it("changed after the copy was made, are not mistaken for the CLI's writes", () => {
    const copies = join(scratch, "copies");
    mkdirSync(copies);
    const file = copyStackFile(project, "prod", copies);
    writeFileSync(file.original, `${PROD_CONFIG}  k8s-flux:applications: []\n`);
    expect(copyWritten(file)).toBe(false);
  });
});
