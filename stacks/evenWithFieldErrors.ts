import type { z } from "zod";
import { isRecord } from "./isRecord";

/**
 * Runs a section-wide rule even when some of the section's fields failed, on the fields that
 * parsed (failed fields hold their raw input, so rules must read them defensively).
 */
export const evenWithFieldErrors = {
  when: (payload: z.core.ParsePayload) => isRecord(payload.value),
};
