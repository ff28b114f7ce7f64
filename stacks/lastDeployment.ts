import * as pulumi from "@pulumi/pulumi";
import type { DeployKeyRecord } from "./deployKeyPlan";
import { isRecord } from "./isRecord";
import { STACK_OUTPUTS } from "./names";

/** The outputs of this stack's last deployment that the next deployment must respect. */
export interface LastDeployment {
  readonly sealedSecretsCert?: string;
  /** Sealing key names it declared: in use, and on their way out. */
  readonly sealedSecretsKeys?: { active: string[]; retiring: string[] };
  /** Certificate (PEM) by sealing key name. */
  readonly sealedSecretsCertificates?: Record<string, string>;
  /** The applications it deployed, by name: their namespaces are this stack's. */
  readonly applications?: string[];
  /** The deploy keys it declared, where recorded: a Map, so no name reads a prototype's. */
  readonly deployKeyGenerations?: {
    readonly systemFlux?: DeployKeyRecord;
    readonly applications: ReadonlyMap<string, DeployKeyRecord>;
  };
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

const isGeneration = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 1;

/**
 * `{ inUse, staged?, registeredOnGitHub? }` with whole numbers from 1, two different ones;
 * otherwise undefined. A registration flag that is not a boolean reads as not known.
 */
function parseKeyGenerations(value: unknown): DeployKeyRecord | undefined {
  if (!isRecord(value) || !isGeneration(value["inUse"])) return undefined;
  const { inUse, staged, registeredOnGitHub } = value;
  const registration = typeof registeredOnGitHub === "boolean" ? { registeredOnGitHub } : {};
  if (staged === undefined) return { inUse, ...registration };
  return isGeneration(staged) && staged !== inUse ? { inUse, staged, ...registration } : undefined;
}

/** Each well-formed record of a `deployKeyGenerations` output; the rest reads as not known. */
function parseDeployKeyGenerations(value: unknown): LastDeployment["deployKeyGenerations"] {
  if (!isRecord(value)) return undefined;
  const systemFlux = parseKeyGenerations(value["systemFlux"]);
  const listed = isRecord(value["applications"]) ? Object.entries(value["applications"]) : [];
  const applications = new Map(
    listed.flatMap(([name, record]) => {
      const generations = parseKeyGenerations(record);
      return generations ? [[name, generations] as const] : [];
    }),
  );
  return { ...(systemFlux ? { systemFlux } : {}), applications };
}

/** Keeps only well-formed values, so a hand-edited or older state reads as "not known". */
export function parseLastDeployment(outputs: unknown): LastDeployment {
  if (!isRecord(outputs)) return {};
  const {
    sealedSecretsCert,
    sealedSecretsKeys,
    sealedSecretsCertificates,
    applicationPublicKeys,
    deployKeyGenerations,
  } = outputs;
  const keys =
    isRecord(sealedSecretsKeys) &&
    isStringArray(sealedSecretsKeys["active"]) &&
    isStringArray(sealedSecretsKeys["retiring"])
      ? { active: sealedSecretsKeys["active"], retiring: sealedSecretsKeys["retiring"] }
      : undefined;
  const certificates =
    isRecord(sealedSecretsCertificates) &&
    Object.values(sealedSecretsCertificates).every((pem) => typeof pem === "string")
      ? (sealedSecretsCertificates as Record<string, string>)
      : undefined;
  // Only names are read: each application listed has a public key, whatever form it takes.
  const applications = isRecord(applicationPublicKeys)
    ? Object.keys(applicationPublicKeys)
    : undefined;
  const keyGenerations = parseDeployKeyGenerations(deployKeyGenerations);
  return {
    ...(typeof sealedSecretsCert === "string" ? { sealedSecretsCert } : {}),
    ...(keys ? { sealedSecretsKeys: keys } : {}),
    ...(certificates ? { sealedSecretsCertificates: certificates } : {}),
    ...(applications ? { applications } : {}),
    ...(keyGenerations ? { deployKeyGenerations: keyGenerations } : {}),
  };
}

/**
 * Reads this stack's own outputs as the last update left them, through a stack reference to
 * itself: a read that changes nothing. Only public outputs are read. A new stack has none.
 */
export async function readLastDeployment(): Promise<LastDeployment> {
  const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
  const reference = new pulumi.StackReference(`last-deployment-of-${pulumi.getStack()}`, {
    name: self,
  });
  const names = [
    STACK_OUTPUTS.sealedSecretsCert,
    STACK_OUTPUTS.sealedSecretsKeys,
    STACK_OUTPUTS.sealedSecretsCertificates,
    STACK_OUTPUTS.applicationPublicKeys,
    STACK_OUTPUTS.deployKeyGenerations,
  ] as const;
  const values = await Promise.all(
    names.map(async (name) => [name, (await reference.getOutputDetails(name)).value] as const),
  );
  return parseLastDeployment(Object.fromEntries(values));
}
