import * as pulumi from "@pulumi/pulumi";
import { buildCluster, type ClusterOutputs } from "./cluster";
import { readLastDeployment } from "./lastDeployment";
import { loadStackConfig } from "./loadConfig";
import { planSealingKeys } from "./sealingKeyPlan";
import { StackConfigError } from "./settings";

/**
 * One `pulumi up`: validate the stack config, compare what must not silently disappear with the
 * last deployment, and only then register the cluster's resources.
 */
export async function deployStack(): Promise<ClusterOutputs> {
  const config = loadStackConfig();
  const sealingKeys = planSealingKeys(config.sealedSecrets, await readLastDeployment());
  if (sealingKeys.problems.length > 0) {
    throw new pulumi.RunError(new StackConfigError(sealingKeys.problems).message);
  }
  return buildCluster(config, sealingKeys.requests);
}
