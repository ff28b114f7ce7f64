/**
 * The AWS account this stack deploys to, from sts:GetCallerIdentity: an invoke, which registers
 * nothing, made before any resource is registered so that its answer can be checked with every
 * other setting.
 */
import * as aws from "@pulumi/aws";
import type { DeployingAccount } from "./settings";

/** A failure's first line, short enough for one problem line. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.trim().split("\n")[0] ?? "";
  if (line === "") return "no reason given";
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** `ask` is the lookup itself; tests may give their own. */
export async function lookupDeployingAccount(
  ask: () => Promise<aws.GetCallerIdentityResult> = () => aws.getCallerIdentity({}),
): Promise<DeployingAccount> {
  try {
    const caller = await ask();
    return { found: true, accountId: caller.accountId, callerArn: caller.arn };
  } catch (error) {
    return { found: false, reason: `sts:GetCallerIdentity failed: ${firstLine(error)}` };
  }
}
