/**
 * The deploy key plan on its own: which generation Flux uses and which is staged, from the
 * config and the last update's record, and what the person is told to do; and how that record
 * is read back from the stack's outputs.
 */
import { describe, expect, it } from "vitest";
import { parseRepositoryUrl } from "../components";
import {
  type DeployKeyRequest,
  type KeyGenerations,
  planDeployKey,
  planDeployKeys,
} from "../stacks/deployKeyPlan";
import { parseLastDeployment } from "../stacks/lastDeployment";
import type { ApplicationSettings, ClusterSettings } from "../stacks/settings";

const REPOSITORY = "ssh://git@git.example.org/finance/billing-flux.git";
const SETTING = "k8s-flux:applications[0].keyGeneration";

const byHand = (generation: number): DeployKeyRequest => ({
  setting: SETTING,
  user: "application billing",
  repository: REPOSITORY,
  generation,
  addedByHand: true,
});
const registered = (generation: number): DeployKeyRequest => ({
  ...byHand(generation),
  addedByHand: false,
});

const STAGE_2 = `Deploy key 2 of application billing is staged (${SETTING}); Flux keeps using key 1. From the deployKeysToAddByHand output, add key 2 to ${REPOSITORY}, then run pulumi up again to switch Flux to it.`;

describe("a deploy key added by hand", () => {
  it("is staged when raised, while Flux keeps the key it uses", () => {
    expect(planDeployKey(byHand(2), { inUse: 1 })).toEqual({
      generations: { inUse: 1, staged: 2 },
      warnings: [STAGE_2],
    });
  });

  it("is used by the update after the one that staged it, and the old key goes", () => {
    expect(planDeployKey(byHand(2), { inUse: 1, staged: 2 })).toEqual({
      generations: { inUse: 2 },
      warnings: [
        `Deploy key 2 of application billing is now in use (${SETTING}): Flux switches to it in this update, which deletes key 1; remove key 1 from ${REPOSITORY}.`,
      ],
    });
  });

  it("changes nothing and says nothing once switched", () => {
    expect(planDeployKey(byHand(2), { inUse: 2 })).toEqual({
      generations: { inUse: 2 },
      warnings: [],
    });
  });

  it("set back to the key in use while staged: the staged key is dropped, Flux is untouched", () => {
    expect(planDeployKey(byHand(1), { inUse: 1, staged: 2 })).toEqual({
      generations: { inUse: 1 },
      warnings: [
        `${SETTING} no longer asks for staged deploy key 2 of application billing, which this update deletes: remove key 2 from ${REPOSITORY} if you added it.`,
      ],
    });
  });

  it("changed again while staged: the new number is staged instead, and Flux still keeps its key", () => {
    const { generations, warnings } = planDeployKey(byHand(3), { inUse: 1, staged: 2 });
    expect(generations).toEqual({ inUse: 1, staged: 3 });
    expect(warnings).toEqual([
      `Deploy key 3 of application billing is staged (${SETTING}); Flux keeps using key 1. From the deployKeysToAddByHand output, add key 3 to ${REPOSITORY}, then run pulumi up again to switch Flux to it.`,
      `${SETTING} no longer asks for staged deploy key 2 of application billing, which this update deletes: remove key 2 from ${REPOSITORY} if you added it.`,
    ]);
  });

  it("lowered: a new key with the lower number is staged, never the key in use deleted", () => {
    expect(planDeployKey(byHand(1), { inUse: 3 }).generations).toEqual({ inUse: 3, staged: 1 });
  });

  it("without a record (a new repository, or a stack from before records) is used at once", () => {
    expect(planDeployKey(byHand(4), undefined)).toEqual({
      generations: { inUse: 4 },
      warnings: [],
    });
  });
});

describe("a deploy key this program registers on GitHub", () => {
  it("is used in the update that raises it, record or not", () => {
    expect(planDeployKey(registered(2), { inUse: 1 })).toEqual({
      generations: { inUse: 2 },
      warnings: [],
    });
    expect(planDeployKey(registered(2), undefined).generations).toEqual({ inUse: 2 });
  });

  it("takes over a key staged while it was added by hand (registerDeployKeys switched on)", () => {
    const { generations, warnings } = planDeployKey(registered(2), { inUse: 1, staged: 2 });
    expect(generations).toEqual({ inUse: 2 });
    expect(warnings).toEqual([
      `Deploy key 2 of application billing is now in use (${SETTING}): Flux switches to it in this update, which deletes key 1; remove key 1 from ${REPOSITORY}.`,
    ]);
  });
});

describe("planDeployKeys", () => {
  const location = (url: string) => {
    const parsed = parseRepositoryUrl(url);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.location;
  };
  const application = (
    name: string,
    repository: string,
    keyGeneration: number,
  ): ApplicationSettings => ({
    name,
    repository: location(repository),
    branch: "main",
    path: "./",
    interval: "1m",
    podSecurity: "baseline",
    networkPolicy: false,
    keyGeneration,
  });
  const settings = (registerDeployKeys: boolean): Parameters<typeof planDeployKeys>[0] => ({
    registerDeployKeys,
    systemFlux: {
      repository: location("git@github.com:acme/k8s-flux.git"),
      branch: "main",
      path: "./",
      interval: "1m",
      imageAutomation: false,
      installOperator: true,
      operatorWebUi: false,
      keyGeneration: 2,
    } satisfies ClusterSettings["systemFlux"],
    applications: [
      application("storefront", "git@github.com:acme/storefront-flux.git", 5),
      application("billing", REPOSITORY, 2),
    ],
  });
  const record = {
    systemFlux: { inUse: 1 },
    applications: new Map<string, KeyGenerations>([
      ["storefront", { inUse: 4 }],
      ["billing", { inUse: 1 }],
    ]),
  };

  it("stages only keys added by hand, naming each one's setting and repository", () => {
    const plan = planDeployKeys(settings(true), { deployKeyGenerations: record });
    expect(plan.systemFlux).toEqual({ inUse: 2 });
    expect(Object.fromEntries(plan.applications)).toEqual({
      storefront: { inUse: 5 },
      billing: { inUse: 1, staged: 2 },
    });
    expect(plan.warnings).toEqual([
      STAGE_2.replace(SETTING, "k8s-flux:applications[1].keyGeneration"),
    ]);
  });

  it("with registerDeployKeys false stages GitHub repositories' keys too", () => {
    const plan = planDeployKeys(settings(false), { deployKeyGenerations: record });
    expect(plan.systemFlux).toEqual({ inUse: 1, staged: 2 });
    expect(plan.applications.get("storefront")).toEqual({ inUse: 4, staged: 5 });
    expect(plan.warnings.map((warning) => warning.split(";")[0])).toEqual([
      "Deploy key 2 of the system Flux is staged (k8s-flux:systemFlux.keyGeneration)",
      "Deploy key 5 of application storefront is staged (k8s-flux:applications[0].keyGeneration)",
      "Deploy key 2 of application billing is staged (k8s-flux:applications[1].keyGeneration)",
    ]);
  });

  it("uses every configured key at once when the last update left no record", () => {
    const plan = planDeployKeys(settings(false), { applications: ["storefront", "billing"] });
    expect(plan.systemFlux).toEqual({ inUse: 2 });
    expect(Object.fromEntries(plan.applications)).toEqual({
      storefront: { inUse: 5 },
      billing: { inUse: 2 },
    });
    expect(plan.warnings).toEqual([]);
  });

  it("uses a new application's key at once, beside recorded ones", () => {
    const plan = planDeployKeys(settings(false), {
      deployKeyGenerations: { applications: new Map([["billing", { inUse: 2 }]]) },
    });
    expect(Object.fromEntries(plan.applications)).toEqual({
      storefront: { inUse: 5 },
      billing: { inUse: 2 },
    });
    expect(plan.systemFlux).toEqual({ inUse: 2 });
  });
});

describe("the deployKeyGenerations output read back", () => {
  it("keeps the system Flux's record and each application's", () => {
    const last = parseLastDeployment({
      deployKeyGenerations: {
        systemFlux: { inUse: 3, staged: 4 },
        applications: { billing: { inUse: 1 }, storefront: { inUse: 2, staged: 1 } },
      },
    });
    expect(last.deployKeyGenerations?.systemFlux).toEqual({ inUse: 3, staged: 4 });
    expect([...(last.deployKeyGenerations?.applications ?? [])]).toEqual([
      ["billing", { inUse: 1 }],
      ["storefront", { inUse: 2, staged: 1 }],
    ]);
  });

  it("drops each malformed record, so that key reads as not recorded", () => {
    const last = parseLastDeployment({
      deployKeyGenerations: {
        systemFlux: { inUse: "2" },
        applications: {
          zero: { inUse: 0 },
          fraction: { inUse: 1.5 },
          same: { inUse: 2, staged: 2 },
          stagedText: { inUse: 2, staged: "3" },
          huge: { inUse: 2 ** 53 },
          list: [1],
          ok: { inUse: 7, staged: 8 },
        },
      },
    });
    expect(last.deployKeyGenerations?.systemFlux).toBeUndefined();
    expect([...(last.deployKeyGenerations?.applications ?? [])]).toEqual([
      ["ok", { inUse: 7, staged: 8 }],
    ]);
  });

  it("never reads a name through the prototype", () => {
    const last = parseLastDeployment(
      JSON.parse('{"deployKeyGenerations":{"applications":{"__proto__":{"inUse":2}}}}'),
    );
    const applications = last.deployKeyGenerations?.applications;
    expect(applications?.get("constructor")).toBeUndefined();
    expect(applications?.get("__proto__")).toEqual({ inUse: 2 });
  });

  it("is absent for a stack from before records, or an output of the wrong shape", () => {
    expect(parseLastDeployment({ applicationPublicKeys: {} }).deployKeyGenerations).toBeUndefined();
    expect(parseLastDeployment({ deployKeyGenerations: [] }).deployKeyGenerations).toBeUndefined();
    expect(
      parseLastDeployment({ deployKeyGenerations: { applications: [] } }).deployKeyGenerations,
    ).toEqual({ applications: new Map() });
  });
});
