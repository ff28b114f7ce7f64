/**
 * Why the cluster could not be asked: its kubeconfig, its credentials or its server. Anything
 * else thrown while asking is a bug, and is not reported as one of these.
 */
export class KubeClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
