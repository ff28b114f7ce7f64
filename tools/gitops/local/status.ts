/**
 * `npm run local:status [-- --json]`: every Flux source, Kustomization, FluxInstance and
 * ResourceSet of the local environment (namespace, name, Ready, reason, message, last attempted
 * and last applied revision), each repository's head, and the processes running. With --json, the
 * same as stable JSON (statusReport.ts; documented in docs/development/gitops-stage.md).
 */
import { parseArgs } from "node:util";
import type { FluxObjectStatus } from "../flux/objects";
import { localEnvironmentLayout } from "./layout";
import { localStatus, type LocalStatus } from "./statusReport";

/** `main@sha1:0123456789ab…` → `main@sha1:0123456789ab`: enough to tell commits apart. */
const short = (revision: string | null): string =>
  revision === null ? "-" : revision.replace(/([0-9a-f]{12})[0-9a-f]{28}/, "$1");

function fluxLine(object: FluxObjectStatus): string {
  const revisions =
    object.category === "source"
      ? `artifact ${short(object.artifactRevision)}`
      : `attempted ${short(object.lastAttemptedRevision)}  applied ${short(object.lastAppliedRevision)}`;
  return [
    `  ${object.namespace}  ${object.kind}/${object.name}  Ready=${object.ready}${object.suspended ? " (suspended)" : ""}  ${object.reason ?? "-"}  ${revisions}`,
    ...(object.message ? [`      ${object.message}`] : []),
  ].join("\n");
}

function formatStatus(status: LocalStatus): string {
  const lines = [`kubeconfig: ${status.kubeconfig ?? "-"}`, ""];
  lines.push("Repositories:");
  for (const repository of status.repositories) {
    lines.push(
      `  ${repository.target}  ${repository.url}  folder ${repository.path ?? "./"}  head ${repository.head ?? "-"}`,
    );
  }
  lines.push("", "Flux:");
  if (status.flux.length === 0) lines.push("  (none)");
  for (const object of status.flux) lines.push(fluxLine(object));
  lines.push("", "Processes:");
  for (const process of status.processes) {
    lines.push(
      `  ${process.role}  ${process.name}  ${process.pid ?? "-"}  ${process.state}  ${process.detail}`,
    );
  }
  if (status.problems.length > 0) {
    lines.push("", "Problems:", ...status.problems.map((problem) => `  ${problem}`));
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false } } });
  const status = await localStatus(localEnvironmentLayout());
  console.log(values.json ? JSON.stringify(status, null, 2) : formatStatus(status));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`local:status: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
