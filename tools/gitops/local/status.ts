/**
 * `npm run local:status`, or for tools `npm run --silent local:status -- --json` (`--silent` keeps
 * npm's banner off stdout, ahead of the JSON): every Flux source, Kustomization, FluxInstance and
 * ResourceSet of the local environment (namespace, name, Ready, reason, message, last attempted
 * and last applied revision), every SealedSecret (Synced, why not, and its Secret), each
 * repository's head, and the processes running. With --json, the same as stable JSON
 * (statusReport.ts; documented in docs/development/gitops-stage.md).
 */
import { parseArgs } from "node:util";
import type { FluxObjectStatus } from "../flux/objects";
import { aligned } from "./columns";
import { localEnvironmentLayout } from "./layout";
import type { SealedSecretStatus } from "./sealedSecretsStatus";
import { localStatus, type LocalStatus } from "./statusReport";

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
