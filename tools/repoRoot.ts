import { join } from "node:path";

/** The checkout this tooling runs from: every tool's .cache/ and stack files are found from it. */
export const REPO_ROOT = join(__dirname, "..");
