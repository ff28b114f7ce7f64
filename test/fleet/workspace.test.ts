/**
 * The fleet's engine environment: the local engine's (tools/pulumi/environment.ts), except that
 * a backend the caller names is kept, so a fleet can run against its real state.
 */
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { LOCAL_STACK_PASSPHRASE } from "../../tools/pulumi/environment";
import { LOCAL_BACKEND_DIR, PULUMI_HOME } from "../../tools/pulumi/layout";
import { fleetEnvironment } from "../../tools/fleet/workspace";

describe("fleetEnvironment", () => {
  it("keeps the caller's backend and passphrase file", () => {
    const environment = fleetEnvironment({
      PATH: "/usr/bin",
      PULUMI_BACKEND_URL: "s3://acme-pulumi-state",
      PULUMI_CONFIG_PASSPHRASE_FILE: "/etc/k8s-flux/passphrase",
    });
    expect(environment.PULUMI_BACKEND_URL).toBe("s3://acme-pulumi-state");
    expect(environment.PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
    expect(environment.PULUMI_HOME).toBe(PULUMI_HOME);
    expect(environment.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBe("true");
  });

  it("falls back to the local file backend and the local stack's passphrase", () => {
    const environment = fleetEnvironment({ PATH: "/usr/bin" });
    expect(environment.PULUMI_BACKEND_URL).toBe(
      `${pathToFileURL(LOCAL_BACKEND_DIR).href}?metadata=skip`,
    );
    expect(environment.PULUMI_CONFIG_PASSPHRASE).toBe(LOCAL_STACK_PASSPHRASE);
  });
});
