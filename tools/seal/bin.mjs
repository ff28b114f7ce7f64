#!/usr/bin/env node
// The k8s-flux-seal executable (package.json "bin"): runs the TypeScript command through tsx's
// API, so it works from a checkout without a build step.
import { tsImport } from "tsx/esm/api";

await tsImport("./cli.ts", import.meta.url);
