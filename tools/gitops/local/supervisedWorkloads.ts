/**
 * The runner's table for `up:local`'s supervisor: the Flux Operator, source- and
 * kustomize-controller, and the stack's sealed-secrets controller. up:local checks that each of
 * their binaries is built before it starts anything.
 */
import {
  SEALED_SECRETS_CONTROLLER,
  SEALED_SECRETS_NAMESPACE,
} from "../../../components/sealedSecrets/manifests";
import { fluxOperatorModuleDir } from "../fluxOperator/runConfig";
import { localWorkloads } from "../runner/localWorkloads";
import type { RunnableWorkload } from "../runner/workloads";

export async function supervisedWorkloads(): Promise<RunnableWorkload[]> {
  return localWorkloads({
    operatorModuleDir: await fluxOperatorModuleDir(),
    sealedSecrets: { namespace: SEALED_SECRETS_NAMESPACE, name: SEALED_SECRETS_CONTROLLER },
  });
}
