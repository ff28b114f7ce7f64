/** The render command's command line, read before anything is rendered. */
import { resolve } from "node:path";
import { quoted } from "../../components/shared/quotedText";
import { parseCommandLine, type CommandText, type Parsed, UsageError } from "../cliArgs";

export const RENDER_COMMAND: CommandText = {
  name: "render",
  usage: `Write every Kubernetes object a stack would create as YAML files, one per object, named in
apply order. Offline: the program runs under Pulumi's mocks, with fake secrets only.

Usage:
  npm run render -- STACK [--out DIR]

  STACK         a stack with a Pulumi.STACK.yaml in this checkout (dev, local, prod)
  --out DIR     where the files go (default rendered/STACK/ in this checkout); a relative DIR is
                from the directory you run npm in. The files of an earlier rendering there are
                replaced; other files are left alone.
  -h, --help    show this help

Exit codes: 0 written, 1 unknown stack, refused config or unwritable directory, 2 bad arguments.
`,
};

export interface RenderOptions {
  readonly stack: string;
  /** Absolute; absent for the default directory. */
  readonly out?: string;
}

/** `userDir` is where a relative --out starts: userDirectory() of tools/userDirectory.ts. */
export function parseRenderArgs(argv: readonly string[], userDir: string): Parsed<RenderOptions> {
  const line = parseCommandLine(argv, { out: { type: "string" } }, { positionals: true });
  if (line.help) return line;
  const [stack, ...extra] = line.positionals;
  if (stack === undefined) throw new UsageError("name the stack to render");
  if (stack === "") throw new UsageError("STACK cannot be empty; name the stack to render");
  if (extra.length > 0) {
    throw new UsageError(`name exactly one stack; got ${[stack, ...extra].map(quoted).join(", ")}`);
  }
  const { out } = line.flags;
  return {
    help: false,
    stack,
    ...(out === undefined ? {} : { out: resolve(userDir, out) }),
  };
}
