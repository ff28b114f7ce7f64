import * as pulumi from "@pulumi/pulumi";
import { needsDeployingAccount } from "./awsAccounts";
import { buildCluster, type ClusterOutputs } from "./cluster";
import { lookupDeployingAccount } from "./deployingAccount";
import { readLastDeployment } from "./lastDeployment";
import { loadStackConfig, readStackConfig } from "./loadConfig";
import { StackConfigError } from "./messages";
import { planSealingKeys } from "./sealingKeyPlan";

/**
 * One `pulumi up`: validate the stack config (with the deploying account, when an ARN must be
 * compared with it), compare what must not silently disappear with the last deployment, and
 * only then register the cluster's resources.
 */
async function deploy(): Promise<ClusterOutputs> {
  const source = readStackConfig();
  const deployingAccount = needsDeployingAccount(source.raw.values)
    ? await lookupDeployingAccount()
    : undefined;
  const config = loadStackConfig(source, deployingAccount);
  const sealingKeys = planSealingKeys(config.sealedSecrets, await readLastDeployment());
  if (sealingKeys.problems.length > 0) throw new StackConfigError(sealingKeys.problems);
  return buildCluster(config, sealingKeys.requests);
}

/**
 * The program. Bad config surfaces here, and only here, as a RunError: Pulumi prints its
 * message alone, without a stack trace that would bury the list of problems.
 */
export async function deployStack(): Promise<ClusterOutputs> {
  try {
    return await deploy();
  } catch (error) {
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
