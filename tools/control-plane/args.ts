/**
 * Command lines of the three processes. Everything listens on 127.0.0.1 only, on the ports
 * given, so nothing is reachable from outside the machine and clusters don't collide.
 */
import type { Layout } from "./layout";
import { CLUSTER_DOMAIN, SERVICE_CLUSTER_IP_RANGE } from "./pki";
import { HOST, type ControlPlanePorts } from "./ports";

export const ETCD_MEMBER_NAME = "k8s-flux-test";
export const SERVICE_ACCOUNT_ISSUER = `https://kubernetes.default.svc.${CLUSTER_DOMAIN}`;

export function etcdUrl(port: number): string {
  return `http://${HOST}:${port}`;
}

export function apiserverUrl(ports: ControlPlanePorts): string {
  return `https://${HOST}:${ports.apiserver}`;
}

export function etcdArgs(files: Layout, ports: ControlPlanePorts): string[] {
  const client = etcdUrl(ports.etcdClient);
  const peer = etcdUrl(ports.etcdPeer);
  return [
    `--name=${ETCD_MEMBER_NAME}`,
    `--data-dir=${files.etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    // Without these etcd listens for peers on localhost:2380, which two clusters would share.
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${ETCD_MEMBER_NAME}=${peer}`,
    "--initial-cluster-state=new",
    // The data is thrown away with the directory; skipping fsync keeps a shared CI disk fast.
    "--unsafe-no-fsync=true",
    "--log-level=warn",
  ];
}

export function apiserverArgs(files: Layout, ports: ControlPlanePorts): string[] {
  const { pki } = files;
  return [
    `--bind-address=${HOST}`,
    `--advertise-address=${HOST}`,
    `--secure-port=${ports.apiserver}`,
    `--etcd-servers=${etcdUrl(ports.etcdClient)}`,
    "--authorization-mode=Node,RBAC",
    `--client-ca-file=${pki.caCert}`,
    `--tls-cert-file=${pki.cert("apiserver")}`,
    `--tls-private-key-file=${pki.key("apiserver")}`,
    `--cert-dir=${files.apiserverCertDir}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountPrivateKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // The endpoints of the `kubernetes` Service may not be a loopback address, and no pod here
    // needs them; without this the API server retries writing them forever.
    "--endpoint-reconciler-type=none",
    "--profiling=false",
    // As on EKS: privileged containers pass validation, so what refuses them in a tenant's
    // namespace is the namespace's Pod Security level, which the cluster suite checks.
    "--allow-privileged=true",
  ];
}

export function controllerManagerArgs(files: Layout, ports: ControlPlanePorts): string[] {
  const { pki } = files;
  return [
    `--bind-address=${HOST}`,
    `--secure-port=${ports.controllerManager}`,
    `--tls-cert-file=${pki.cert("controller-manager-serving")}`,
    `--tls-private-key-file=${pki.key("controller-manager-serving")}`,
    `--kubeconfig=${files.controllerManagerKubeconfig}`,
    `--authentication-kubeconfig=${files.controllerManagerKubeconfig}`,
    `--authorization-kubeconfig=${files.controllerManagerKubeconfig}`,
    `--client-ca-file=${pki.caCert}`,
    // There is no front proxy, so the API server publishes no request-header CA; looking for it
    // would only log an error every ten seconds.
    "--authentication-skip-lookup=true",
    // Namespace finalization and service-account tokens both come from controllers in "*".
    "--controllers=*",
    // Each controller then acts as its own ServiceAccount, as on a real cluster, so RBAC is
    // exercised the same way.
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${pki.serviceAccountPrivateKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    "--leader-elect=false",
    "--profiling=false",
  ];
}
