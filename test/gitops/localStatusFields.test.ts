/**
 * The JSON of `npm run --silent local:status -- --json` has the fields the tables in
 * docs/development/gitops-stage.md name, no more and no fewer. Here without a cluster: the top
 * level, its objects, a repository and a SealedSecret; the local environment's spec checks every
 * list entry of a running environment the same way.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeEnvironmentRecord } from "../../tools/gitops/local/environmentRecord";
import { LOCAL_DIR_VARIABLE, localEnvironmentLayout } from "../../tools/gitops/local/layout";
import { sealedSecretStatus } from "../../tools/gitops/local/sealedSecretsStatus";
import { localStatus } from "../../tools/gitops/local/statusReport";
import { documentedStatusFields, undocumentedDifferences } from "./statusFieldsDocs";

const scratch = mkdtempSync(join(tmpdir(), "local-status-fields-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("local:status's JSON, against its documentation", () => {
  const documented = documentedStatusFields();

  it("is documented for every list and object it holds", () => {
    expect(documented.top).toContain("schemaVersion");
    for (const name of [
      "controlPlane",
      "gitServer",
      "repositories",
      "flux",
      "sealedSecrets",
      "processes",
    ]) {
      expect(documented.nested[name]?.length, name).toBeGreaterThan(1);
    }
  });

  it("prints exactly the documented fields, before up:local and after it", async () => {
    const layout = localEnvironmentLayout({ [LOCAL_DIR_VARIABLE]: scratch });
    const before = await localStatus(layout);
    expect(before.problems).toContain("up:local has not run here");
    expect(undocumentedDifferences(before, documented)).toEqual([]);

    writeEnvironmentRecord(layout.record, {
      kubeconfig: join(scratch, "cluster", "kubeconfig"),
      gitServerDir: layout.gitServer,
      repositories: [
        {
          target: "sample-local",
          repository: "acme/test-app-flux-repo",
          path: "local-app",
          url: "ssh://git@127.0.0.1:2222/acme/test-app-flux-repo.git",
        },
      ],
    });
    const after = await localStatus(layout);
    expect(after.repositories).toHaveLength(1);
    expect(undocumentedDifferences(after, documented)).toEqual([]);
  });

  it("documents a SealedSecret's fields", () => {
    const sealed = sealedSecretStatus(
      { metadata: { name: "db", namespace: "sample-local", generation: 1 } },
      undefined,
    );
    expect(Object.keys(sealed).sort()).toEqual(
      [...(documented.nested["sealedSecrets"] ?? [])].sort(),
    );
  });

  it("names a field that was renamed or added", async () => {
    const { gitServer, ...rest } = await localStatus(
      localEnvironmentLayout({ [LOCAL_DIR_VARIABLE]: scratch }),
    );
    expect(undocumentedDifferences({ ...rest, gitserver: gitServer }, documented)).toEqual([
      `the top level: prints ${[...Object.keys(rest), "gitserver"].sort().join(", ")}; documented ${[...documented.top].sort().join(", ")}`,
      "gitserver: no documented fields",
    ]);
    expect(
      undocumentedDifferences(
        { ...rest, gitServer, controlPlane: { running: true, server: null, pid: 1 } },
        documented,
      ),
    ).toEqual(["controlPlane: prints pid, running, server; documented running, server"]);
  });
});
