/**
 * `npm run local:status`, or for tools `npm run --silent local:status -- --json` (`--silent` keeps
 * npm's banner off stdout, ahead of the JSON): every Flux source, Kustomization, FluxInstance and
 * ResourceSet of the local environment (namespace, name, Ready, reason, message, last attempted
 * and last applied revision), every SealedSecret (Synced, why not, and its Secret), each
 * repository's head, and the processes running. With --json, the same as stable JSON
 * (statusReport.ts; documented in docs/development/gitops-stage.md).
 */
import { parseCommandLine, runCommand, type CommandText, type Parsed } from "../../cliArgs";
import type { FluxObjectStatus } from "../flux/objects";
import { aligned } from "./columns";
import { requireEnvironmentRecord } from "./environmentRecord";
import { LOCAL_DIR_VARIABLE, localEnvironmentLayout } from "./layout";
import type { SealedSecretStatus } from "./sealedSecretsStatus";
import { localStatus, type LocalStatus } from "./statusReport";

export const LOCAL_STATUS_COMMAND: CommandText = {
  name: "local:status",
  usage: `Show the local environment: every Flux source, Kustomization, FluxInstance and ResourceSet,
every SealedSecret, each repository's head, the processes running, and what is wrong.

Usage:
  npm run local:status
  npm run --silent local:status -- --json

  --json        the same as JSON alone on stdout (docs/development/gitops-stage.md)
  -h, --help    show this help

${LOCAL_DIR_VARIABLE}, an existing directory, names a second environment to show instead.
Exit codes: 0 shown (problems included), 1 up:local never ran here or unreadable, 2 bad arguments.
`,
};

export interface LocalStatusOptions {
  readonly json: boolean;
}

export function parseLocalStatusArgs(argv: readonly string[]): Parsed<LocalStatusOptions> {
  const line = parseCommandLine(argv, { json: { type: "boolean" } });
  return line.help ? line : { help: false, json: line.flags.json === true };
}

/** `main@sha1:0123456789ab…` → `main@sha1:0123456789ab`: enough to tell commits apart. */
const short = (revision: string | null): string =>
  revision === null ? "-" : revision.replace(/([0-9a-f]{12})[0-9a-f]{28}/, "$1");

function fluxLines(objects: readonly FluxObjectStatus[]): string[] {
  const rows = objects.map((object) => [
    object.namespace,
    `${object.kind}/${object.name}`,
    `Ready=${object.ready}${object.suspended ? " (suspended)" : ""}`,
    object.reason ?? "-",
    object.category === "source"
      ? `artifact ${short(object.artifactRevision)}`
      : `attempted ${short(object.lastAttemptedRevision)}  applied ${short(object.lastAppliedRevision)}`,
  ]);
  return aligned(rows).flatMap((line, index) => {
    const message = objects[index]?.message;
    return message ? [line, `      ${message}`] : [line];
  });
}

function sealedSecretLines(sealedSecrets: readonly SealedSecretStatus[]): string[] {
  const rows = sealedSecrets.map((sealed) => [
    sealed.namespace,
    `SealedSecret/${sealed.name}`,
    `Synced=${sealed.synced}${sealed.current ? "" : " (an earlier generation)"}`,
    `Secret ${sealed.secret}`,
  ]);
  // The controller writes a message when it fails and, so far, never a reason.
  return aligned(rows).flatMap((line, index) => {
    const sealed = sealedSecrets[index];
    const why = [sealed?.reason, sealed?.message].filter(Boolean).join(": ");
    return why ? [line, `      ${why}`] : [line];
  });
}

function formatStatus(status: LocalStatus): string {
  const lines = [`kubeconfig: ${status.kubeconfig ?? "-"}`, "", "Repositories:"];
  lines.push(
    ...aligned(
      status.repositories.map((repository) => [
        repository.target,
        repository.url,
        `folder ${repository.path ?? "./"}`,
        `head ${repository.head ?? "-"}`,
      ]),
    ),
  );
  lines.push("", "Flux:");
  lines.push(...(status.flux.length === 0 ? ["  (none)"] : fluxLines(status.flux)));
  lines.push("", "Sealed Secrets:");
  lines.push(
    ...(status.sealedSecrets.length === 0 ? ["  (none)"] : sealedSecretLines(status.sealedSecrets)),
  );
  lines.push("", "Processes:");
  lines.push(
    ...aligned(
      status.processes.map((process) => [
        process.role,
        process.name,
        String(process.pid ?? "-"),
        process.state,
        process.detail,
      ]),
    ),
  );
  if (status.problems.length > 0) {
    lines.push("", "Problems:", ...status.problems.map((problem) => `  ${problem}`));
  }
  return lines.join("\n");
}

async function main({ json }: LocalStatusOptions): Promise<void> {
  const layout = localEnvironmentLayout();
  // Never set up is a failure to tell, not a report full of problems that exits 0.
  requireEnvironmentRecord(layout.record);
  const status = await localStatus(layout);
  console.log(json ? JSON.stringify(status, null, 2) : formatStatus(status));
}

if (require.main === module) runCommand(LOCAL_STATUS_COMMAND, parseLocalStatusArgs, main);
