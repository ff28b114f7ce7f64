/**
 * Repository names as GitHub spells them, `owner/repo`. The same rules hold the path a client
 * asks for in forcedCommand.sh, so a name accepted here is one a client can reach.
 */
import { GitOpsError } from "../errors";

// GitHub: an owner is letters, digits and single hyphens (at most 39); a repository is letters,
// digits, `.`, `-` and `_` (at most 100). A leading dot is refused here so no name is hidden or
// `..`, and `.git` is the suffix of the directory, not part of the name.
const OWNER = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$/;
const REPOSITORY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/** Returns `owner/repo` as given, or throws saying which rule the name breaks. */
export function checkRepositoryName(text: string): string {
  const parts = text.split("/");
  const [owner, repository] = parts;
  const problem =
    parts.length !== 2 || owner === undefined || repository === undefined
      ? "is not of the form owner/repo"
      : !OWNER.test(owner)
        ? `has an owner "${owner}" that is not letters, digits and single hyphens (at most 39)`
        : !REPOSITORY.test(repository)
          ? `has a repository name "${repository}" that is not letters, digits, ".", "-" and "_" (at most 100, not starting with ".")`
          : repository.endsWith(".git")
            ? "ends with .git; name the repository without it"
            : undefined;
  if (problem) throw new GitOpsError(`repository name ${JSON.stringify(text)} ${problem}`);
  return text;
}
