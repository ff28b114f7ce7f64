/**
 * The Flux objects the program makes for each sync, by the names it gives them: the system sync's
 * GitRepository and Kustomization `flux-system` in flux-system (the FluxInstance's sync), and an
 * application's, named after it, in `<app>-flux`.
 */
import { tenantNamespaces } from "../../../components/applicationFlux/tenancy";
import type { FluxObjectRef } from "../flux/objects";

/** `system`, or an application's name. */
export function syncRefs(target: string): { source: FluxObjectRef; sync: FluxObjectRef } {
  const [namespace, name] =
    target === "system" ? ["flux-system", "flux-system"] : [tenantNamespaces(target).flux, target];
  return {
    source: { kind: "GitRepository", namespace, name },
    sync: { kind: "Kustomization", namespace, name },
  };
}
