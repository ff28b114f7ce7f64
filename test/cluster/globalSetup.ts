/**
 * Starts one control plane for the whole cluster suite and stops it when the run ends, whether
 * the tests passed or failed. An interrupted run is covered by startControlPlane itself, which
 * stops its processes on SIGINT, SIGTERM and SIGHUP. Test files reach the server through
 * `inject("kubeAccess")`.
 */
import type { TestProject } from "vitest/node";
import { startControlPlane } from "../../tools/control-plane/controlPlane";
import type { KubeAccess } from "../../tools/kube/api";

declare module "vitest" {
  export interface ProvidedContext {
    kubeAccess: KubeAccess;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const controlPlane = await startControlPlane();
  try {
    const access: KubeAccess = {
      server: controlPlane.server,
      caPem: controlPlane.caPem,
      adminCertPem: controlPlane.adminCertPem,
      adminKeyPem: controlPlane.adminKeyPem,
      version: controlPlane.version,
    };
    project.provide("kubeAccess", access);
  } catch (error) {
    await controlPlane.stop();
    throw error;
  }
  return () => controlPlane.stop();
}
