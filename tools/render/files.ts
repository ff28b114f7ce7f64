/**
 * Writes a rendering as one YAML file per object, named so that a sorted directory listing is
 * the apply order (`kubectl apply -f DIR` reads files in that order).
 */
import { mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { fileProblem } from "../problems";
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

/** Kernel file systems: nothing can be written there, and mkdir can loop on them forever. */
const KERNEL_FILE_SYSTEMS = ["/proc", "/sys"];

/**
 * Why `directory` (absolute) cannot take a rendering, checked before anything is rendered or
 * written; undefined when it can, or can be made.
 */
export function outputDirectoryProblem(directory: string): string | undefined {
  let existing = directory;
  for (;;) {
    try {
      const stat = statSync(existing);
      if (existing === directory && !stat.isDirectory()) return "it exists and is not a directory";
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") return fileProblem(error);
      // Node's recursive mkdir never returns for a missing directory under /proc, so where the
      // path leads is judged by its nearest existing ancestor, links resolved.
      existing = dirname(existing);
    }
  }
  const real = realpathSync(existing);
  const kernel = KERNEL_FILE_SYSTEMS.find((root) => real === root || real.startsWith(`${root}/`));
  return kernel === undefined ? undefined : `it is under ${kernel}, a kernel file system`;
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
