/**
 * Whether Pulumi waits for objects to become ready (Deployments rolled out, Services with
 * endpoints, Flux objects Ready). Off, `pulumi up` returns once the API server has accepted
 * them: for clusters where nothing can run yet, or where another tool checks readiness.
 */
export const SKIP_AWAIT = { "pulumi.com/skipAwait": "true" } as const;

/**
 * Metadata to spread into an object: its own wait annotations (or nothing) while waiting, the
 * skip annotation otherwise. Nothing is added while waiting, so existing objects see no diff.
 */
export function awaitMetadata(
  waitForReadiness: boolean,
  whenWaiting?: Record<string, string>,
): { annotations?: Record<string, string> } {
  if (!waitForReadiness) return { annotations: { ...SKIP_AWAIT } };
  return whenWaiting ? { annotations: whenWaiting } : {};
}
