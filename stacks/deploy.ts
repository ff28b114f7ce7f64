import * as pulumi from "@pulumi/pulumi";
import { needsDeployingAccount } from "./awsAccounts";
import { planDeployKeys } from "./deployKeyPlan";
import { lookUpNamespaces } from "./clusterNamespaces";
import { buildCluster, type ClusterOutputs } from "./cluster";
import { lookupDeployingAccount } from "./deployingAccount";
import { readLastDeployment } from "./lastDeployment";
import { loadStackConfig, readStackConfig } from "./loadConfig";
import { StackConfigError } from "./messages";
import { ClusterCheckError, guardNamespaces } from "./namespaceGuard";
import { planSealingKeys } from "./sealingKeyPlan";

/**
 * One `pulumi up`: validate the stack config (with the deploying account, when an ARN must be
 * compared with it), compare what must not silently disappear with the last deployment, check
 * that no application would take over a namespace that is not this stack's, and only then
 * register the cluster's resources.
 */
async function deploy(): Promise<ClusterOutputs> {
  const source = readStackConfig();
  const deployingAccount = needsDeployingAccount(source.raw.values)
    ? await lookupDeployingAccount()
    : undefined;
  const config = loadStackConfig(source, deployingAccount);
  const last = await readLastDeployment();
  const sealingKeys = planSealingKeys(config.sealedSecrets, last);
  const namespaces = await guardNamespaces({
    applications: config.applications,
    deployedApplications: new Set(last.applications ?? []),
    lookUp: lookUpNamespaces,
    preview: pulumi.runtime.isDryRun(),
  });
  if (namespaces.warning !== undefined) pulumi.log.warn(namespaces.warning);
  const deployKeys = planDeployKeys(config, last);
  const problems = [...sealingKeys.problems, ...deployKeys.problems, ...namespaces.problems];
  if (problems.length > 0) throw new StackConfigError(problems);
  for (const warning of deployKeys.warnings) pulumi.log.warn(warning);
  return buildCluster(config, sealingKeys.requests, deployKeys);
}

/**
 * The program. Bad config, and a cluster that cannot be checked, surface here, and only here,
 * as a RunError: Pulumi prints its message alone, without a stack trace that would bury it.
 */
export async function deployStack(): Promise<ClusterOutputs> {
  try {
    return await deploy();
  } catch (error) {
    if (error instanceof StackConfigError || error instanceof ClusterCheckError) {
      throw new pulumi.RunError(error.message);
    }
    throw error;
  }
}
