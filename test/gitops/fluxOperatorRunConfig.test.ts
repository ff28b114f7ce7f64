/** The Flux Operator's container as its chart gives it, and what the local environment changes. */
import { describe, expect, it } from "vitest";
import {
  fluxOperatorContainer,
  fluxOperatorDeployment,
  fluxOperatorSubstitutions,
  fluxOperatorWorkload,
} from "../../tools/gitops/fluxOperator/runConfig";
import { resolveEnvironment } from "../../tools/gitops/runner/containerEnv";
import type { Container } from "../../tools/gitops/runner/deployment";
import { containerCommandLine } from "../../tools/gitops/runner/podSpec";
import { applySubstitutions } from "../../tools/gitops/runner/substitutions";

describe("the Flux Operator's chart container", () => {
  it("with the chart's defaults: log level, reporting interval, web UI on 9080, no default account", () => {
    const container = fluxOperatorContainer();
    expect(container.args.map((entry) => entry.arg)).toEqual(["--log-level=info"]);
    expect(
      container.env.map((entry) => [entry.env.name, entry.env.value ?? entry.env.valueFrom]),
    ).toEqual([
      ["RUNTIME_NAMESPACE", { fieldRef: { fieldPath: "metadata.namespace" } }],
      ["REPORTING_INTERVAL", "5m"],
      ["WEB_SERVER_PORT", "9080"],
    ]);
    for (const entry of [...container.args, ...container.env]) {
      expect(entry.source).toMatch(/^chart templates\/deployment\.yaml: /);
    }
  });

  it("with multitenancy on and the web UI off, as issue 12 installs it", () => {
    const container = fluxOperatorContainer({
      multitenancy: { enabled: true, defaultServiceAccount: "flux-operator-tenant" },
      web: { enabled: false },
    });
    expect(container.args.map((entry) => entry.arg)).toEqual([
      "--log-level=info",
      "--default-service-account=flux-operator-tenant",
    ]);
    expect(container.env.find((entry) => entry.env.name === "WEB_SERVER_PORT")?.env.value).toBe(
      "0",
    );
  });
});

describe("the Flux Operator run locally", () => {
  const moduleDir = "/go/pkg/mod/github.com/controlplaneio-fluxcd/flux-operator@v0.59.0";

  it("reads the Flux manifests from a copy of its module's config/data", () => {
    expect(fluxOperatorWorkload(moduleDir).imageFiles).toEqual({
      "/data": `${moduleDir}/config/data`,
    });
  });

  it("gets exactly FIPS mode, leader election off, the storage copy, the web UI off and loopback listeners", async () => {
    expect(fluxOperatorSubstitutions(moduleDir).map((substitution) => substitution.target)).toEqual(
      [
        "paths under emptyDir volume mounts (args and env)",
        "PATH",
        "HOME",
        "TMPDIR",
        "KUBECONFIG",
        "--enable-leader-election",
        "--metrics-addr",
        "--health-addr",
        "--storage-path",
        "GODEBUG (fips140=on)",
        "WEB_SERVER_PORT",
      ],
    );

    const deployment = fluxOperatorDeployment();
    const container = deployment.spec.template.spec.containers[0] as Container;
    const pod = {
      name: "flux-operator-x",
      namespace: "flux-system",
      uid: "u",
      serviceAccountName: "flux-operator",
      nodeName: "n",
      podIP: "127.0.0.1",
      hostIP: "127.0.0.1",
      labels: {},
      annotations: {},
    };
    const env = await resolveEnvironment(
      container,
      [container],
      pod,
      { cpus: 2, memoryBytes: 1 },
      {
        read: async () => undefined,
      },
    );
    const line = containerCommandLine(container, env);
    let port = 50000;
    await applySubstitutions(line, {
      workload: fluxOperatorWorkload(moduleDir),
      container,
      volumes: deployment.spec.template.spec.volumes ?? [],
      apiServer: { host: "127.0.0.1", port: 6443 },
      files: {
        kubeconfig: "/s/kubeconfig",
        serviceAccountDir: "/s/sa",
        home: "/s/home",
        tmp: "/s/tmp",
        volumeDir: (volume) => `/s/volumes/${volume}`,
        imageDir: (path) => `/s/image${path}`,
      },
      port: async () => port++,
    });
    expect(line.args).toEqual([
      "--log-level=info",
      "--enable-leader-election=false",
      "--metrics-addr=127.0.0.1:50000",
      "--health-addr=127.0.0.1:50001",
      "--storage-path=/s/image/data",
    ]);
    expect(line.env.get("WEB_SERVER_PORT")).toBe("0");
    expect(line.env.get("GODEBUG")).toBe("fips140=on");
    expect(line.env.get("RUNTIME_NAMESPACE")).toBe("flux-system");
    expect(line.env.get("TMPDIR")).toBe("/s/volumes/temp");
  });
});
