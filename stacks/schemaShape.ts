/**
 * What the stack schema accepts where, read from the schema itself, so that messages about
 * unknown settings list exactly the names it takes. The only file that reads zod's internals.
 */
import { z } from "zod";
import { SETTING_KEYS, stackSchema } from "./schema";

/** The schema inside optional, default and pipe wrappers. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
  };
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  if (def.innerType) return unwrap(def.innerType);
  return schema;
}

/** An object schema's field, looked up as an own key, so `constructor` is no field. */
function field(def: z.core.$ZodObjectDef, name: string): z.core.$ZodType | undefined {
  const shape: Record<string, z.core.$ZodType> = def.shape;
  return Object.hasOwn(shape, name) ? shape[name] : undefined;
}

/** Whether a top-level setting holds settings of its own (an object, a list or a table). */
export function isSection(name: string): boolean {
  const schema = field(stackSchema._zod.def, name);
  const type = schema === undefined ? undefined : unwrap(schema)._zod.def.type;
  return type === "object" || type === "array" || type === "record";
}

/** The schema of the setting at `path`, inside its wrappers, or undefined when there is none. */
function schemaAt(path: readonly PropertyKey[]): z.core.$ZodType | undefined {
  let schema: z.core.$ZodType | undefined = stackSchema;
  for (const segment of path) {
    const def: z.core.$ZodTypeDef | undefined =
      schema === undefined ? undefined : unwrap(schema)._zod.def;
    if (def?.type === "object" && typeof segment === "string") {
      schema = field(def as z.core.$ZodObjectDef, segment);
    } else if (def?.type === "array") {
      schema = (def as z.core.$ZodArrayDef).element;
    } else if (def?.type === "record") {
      schema = (def as z.core.$ZodRecordDef).valueType;
    } else {
      schema = undefined;
    }
  }
  return schema === undefined ? undefined : unwrap(schema);
}

/** The setting names an object at `path` accepts. */
export function settingNamesAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return [...SETTING_KEYS];
  const def = schemaAt(path)?._zod.def;
  return def?.type === "object" ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
}

/**
 * What the keys of a table at `path` (knownHosts, resourceQuota) are, such as "host names, such
 * as gitlab.com", as its schema's description says; undefined when `path` holds no table.
 */
export function tableKeysAt(path: readonly PropertyKey[]): string | undefined {
  const schema = schemaAt(path);
  return schema?._zod.def.type === "record" ? z.globalRegistry.get(schema)?.description : undefined;
}

/** Whether a top-level key is one of this program's settings. */
export const isSettingKey = (key: string): boolean =>
  (SETTING_KEYS as readonly string[]).includes(key);
