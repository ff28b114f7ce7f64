/**
 * Writes a rendering as one YAML file per object, named so that a sorted directory listing is
 * the apply order (`kubectl apply -f DIR` reads files in that order).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { RenderedObject } from "./render";

/** Files this writer makes: an order prefix, then kind, namespace and name. */
const RENDERED_FILE = /^\d+-[a-z0-9._-]+\.yaml$/;

/** `007-rolebinding-kube-system-metrics-server-auth-reader.yaml` */
export function manifestFileName(index: number, total: number, object: RenderedObject): string {
  const { kind, metadata } = object.manifest;
  const prefix = String(index + 1).padStart(Math.max(3, String(total).length), "0");
  const parts = [kind, ...(metadata.namespace ? [metadata.namespace] : []), metadata.name];
  // Names like `system:metrics-server` hold characters some file systems refuse.
  return `${prefix}-${parts.map((part) => part.toLowerCase().replace(/[^a-z0-9.-]/g, "_")).join("-")}.yaml`;
}

/**
 * Replaces the rendered files in `directory` with these objects' files. Other files there are
 * left alone; earlier renderings' files go, so a removed object leaves no stale manifest.
 */
export function writeManifests(directory: string, objects: readonly RenderedObject[]): string[] {
  mkdirSync(directory, { recursive: true });
  for (const entry of readdirSync(directory)) {
    if (RENDERED_FILE.test(entry)) rmSync(join(directory, entry));
  }
  return objects.map((object, index) => {
    const path = join(directory, manifestFileName(index, objects.length, object));
    writeFileSync(path, stringify(object.manifest, { lineWidth: 0 }));
    return path;
  });
}
