/**
 * The files of one control plane inside its directory. Everything it writes stays there, so
 * removing the directory removes every trace.
 */
import { join } from "node:path";
import { pkiFiles, type PkiFiles } from "./pki";

export interface Layout {
  dir: string;
  pki: PkiFiles;
  etcdData: string;
  logDir: string;
  /** The admin kubeconfig, the one printed in `export KUBECONFIG=...`. */
  kubeconfig: string;
  controllerManagerKubeconfig: string;
  /** Pids and ports, so `cluster:down` (or a later run) can stop what this one started. */
  stateFile: string;
  /** The API server's scratch directory; it writes nothing there when given certificates. */
  apiserverCertDir: string;
}

export function layout(dir: string): Layout {
  return {
    dir,
    pki: pkiFiles(join(dir, "pki")),
    etcdData: join(dir, "etcd-data"),
    logDir: join(dir, "logs"),
    kubeconfig: join(dir, "kubeconfig"),
    controllerManagerKubeconfig: join(dir, "controller-manager.kubeconfig"),
    stateFile: join(dir, "state.json"),
    apiserverCertDir: join(dir, "apiserver"),
  };
}

export function logPath(files: Layout, component: string): string {
  return join(files.logDir, `${component}.log`);
}
