/** Writing a SealedSecret as YAML or JSON, the two formats kubectl and Flux read. */
import { stringify } from "yaml";

export const FORMATS = ["yaml", "json"] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

/** The YAML Kubernetes' Go tooling speaks (sigs.k8s.io/yaml); used for reading and writing. */
export const YAML_VERSION = "1.1";

export function formatManifest(manifest: unknown, format: Format): string {
  if (format === "json") return `${JSON.stringify(manifest, null, 2)}\n`;
  // Long base64 values stay on one line: folding would make diffs of a re-sealed key unreadable.
  // YAML 1.1 quoting, because Kubernetes tools read YAML 1.1: a bare `y` or `on` is a boolean there.
  return stringify(manifest, { lineWidth: 0, version: YAML_VERSION });
}
