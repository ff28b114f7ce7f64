/**
 * The deploy key plan on its own: which generation Flux uses and which is staged, from the
 * config, what the last update's record refuses, and what the person is told to do; and how that
 * record is read back from the stack's outputs.
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
const NEXT = "k8s-flux:applications[0].nextKeyGeneration";

const byHand = (generation: number, next?: number): DeployKeyRequest => ({
  setting: SETTING,
  nextSetting: NEXT,
  user: "application billing",
  repository: REPOSITORY,
  generation,
  next,
  addedByHand: true,
  deployedBefore: true,
});
const registered = (generation: number, next?: number): DeployKeyRequest => ({
  ...byHand(generation, next),
  addedByHand: false,
});

const staging = (staged: number, inUse: number) =>
  `Deploy key ${staged} of application billing is staged (${NEXT}); Flux keeps using key ${inUse}. From the deployKeysToAddByHand output, add key ${staged} to ${REPOSITORY}, then set ${SETTING} to ${staged} and run pulumi up to switch Flux to it.`;
const dropping = (staged: number) =>
  `${NEXT} no longer asks for staged deploy key ${staged} of application billing, which this update deletes: remove key ${staged} from ${REPOSITORY} if you added it.`;
const calm = { warnings: [], problems: [] };

describe("a deploy key added by hand", () => {
  it("is staged by nextKeyGeneration, while Flux keeps the key it uses", () => {
    expect(planDeployKey(byHand(1, 2), { inUse: 1 })).toEqual({
      generations: { inUse: 1, staged: 2 },
      warnings: [staging(2, 1)],
      problems: [],
    });
  });

  it("stays staged, quietly, through updates that change nothing", () => {
    expect(planDeployKey(byHand(1, 2), { inUse: 1, staged: 2 })).toEqual({
      generations: { inUse: 1, staged: 2 },
      ...calm,
    });
  });

  it("is used once keyGeneration names it, and the old key goes", () => {
    expect(planDeployKey(byHand(2), { inUse: 1, staged: 2 })).toEqual({
      generations: { inUse: 2 },
      warnings: [
        `Deploy key 2 of application billing is now in use (${SETTING}): Flux switches to it in this update, which deletes key 1; remove key 1 from ${REPOSITORY}.`,
      ],
      problems: [],
    });
    // nextKeyGeneration left at the same number stages nothing more.
    expect(planDeployKey(byHand(2, 2), { inUse: 1, staged: 2 }).generations).toEqual({
      inUse: 2,
    });
  });

  it("warns, once it was registered on GitHub by this program, that the registration goes", () => {
    const unregistering = (inUse: number, staged?: number, now = inUse) =>
      `This program no longer registers the deploy keys of application billing (k8s-flux:registerDeployKeys is false, or the repository is no longer on GitHub): this update deletes the GitHub registration of key ${inUse}${staged !== undefined ? ` and staged key ${staged}` : ""}, and Flux cannot fetch ${REPOSITORY} until key ${now} is added to it by hand, from the deployKeysToAddByHand output.`;
    expect(planDeployKey(byHand(1), { inUse: 1, registeredOnGitHub: true })).toEqual({
      generations: { inUse: 1 },
      warnings: [unregistering(1)],
      problems: [],
    });
    expect(
      planDeployKey(byHand(2), { inUse: 1, staged: 2, registeredOnGitHub: true }).warnings[0],
    ).toBe(unregistering(1, 2, 2));
    // Added by hand last time too, or a record from before the field: nothing to say.
    expect(planDeployKey(byHand(1), { inUse: 1, registeredOnGitHub: false })).toEqual({
      generations: { inUse: 1 },
      ...calm,
    });
    // Still registered by this program: its registration stays.
    expect(planDeployKey(registered(1), { inUse: 1, registeredOnGitHub: true })).toEqual({
      generations: { inUse: 1 },
      ...calm,
    });
  });

  it("changes nothing and says nothing once switched", () => {
    expect(planDeployKey(byHand(2), { inUse: 2 })).toEqual({ generations: { inUse: 2 }, ...calm });
  });

  it("is refused when keyGeneration is raised without staging, naming both settings", () => {
    const { problems } = planDeployKey(byHand(2), { inUse: 1 });
    expect(problems).toEqual([
      `${SETTING}: 2 would switch Flux of application billing to a key that was never staged, which no one can have added to ${REPOSITORY} yet (this program does not register it); expected 1, the key in use, or key 2 staged first: set ${NEXT} to 2, run pulumi up, add the key from the deployKeysToAddByHand output, then set ${SETTING} to 2`,
    ]);
    // Staged, but another number asked for: refused too.
    expect(planDeployKey(byHand(3), { inUse: 1, staged: 2 }).problems).toHaveLength(1);
  });

  it("unstaged (nextKeyGeneration removed): the staged key is dropped, Flux is untouched", () => {
    expect(planDeployKey(byHand(1), { inUse: 1, staged: 2 })).toEqual({
      generations: { inUse: 1 },
      warnings: [dropping(2)],
      problems: [],
    });
  });

  it("staged again with another number: that key is staged instead, Flux still keeps its key", () => {
    const { generations, warnings } = planDeployKey(byHand(1, 3), { inUse: 1, staged: 2 });
    expect(generations).toEqual({ inUse: 1, staged: 3 });
    expect(warnings).toEqual([staging(3, 1), dropping(2)]);
  });

  it("lowered: a new key with the lower number is staged, never the key in use deleted", () => {
    expect(planDeployKey(byHand(3, 1), { inUse: 3 }).generations).toEqual({ inUse: 3, staged: 1 });
  });

  it("without a record is used at once, with a warning when the repository was deployed before", () => {
    expect(planDeployKey(byHand(4), undefined)).toEqual({
      generations: { inUse: 4 },
      warnings: [
        `The last update kept no record of which deploy key of application billing is in use; Flux uses key 4 (${SETTING}) from this update on. If that is a new key, add it to ${REPOSITORY} now, from the deployKeysToAddByHand output.`,
      ],
      problems: [],
    });
    expect(planDeployKey({ ...byHand(4), deployedBefore: false }, undefined)).toEqual({
      generations: { inUse: 4 },
      ...calm,
    });
    expect(planDeployKey(byHand(1), undefined)).toEqual({ generations: { inUse: 1 }, ...calm });
  });
});

describe("a deploy key this program registers on GitHub", () => {
  it("is used in the update that raises it, record or not, and says nothing", () => {
    expect(planDeployKey(registered(2), { inUse: 1 })).toEqual({
      generations: { inUse: 2 },
      ...calm,
    });
    expect(planDeployKey(registered(2), undefined)).toEqual({
      generations: { inUse: 2 },
      ...calm,
    });
  });

  it("may be staged too, and registered beside the key in use", () => {
    expect(planDeployKey(registered(1, 2), { inUse: 1 })).toEqual({
      generations: { inUse: 1, staged: 2 },
      ...calm,
    });
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
    nextKeyGeneration?: number,
  ): ApplicationSettings => ({
    name,
    repository: location(repository),
    branch: "main",
    path: "./",
    interval: "1m",
    podSecurity: "baseline",
    networkPolicy: false,
    keyGeneration,
    ...(nextKeyGeneration !== undefined ? { nextKeyGeneration } : {}),
  });
  const settings = (
    registerDeployKeys: boolean,
    applications = [
      application("storefront", "git@github.com:acme/storefront-flux.git", 5),
      application("billing", REPOSITORY, 1, 2),
    ],
  ): Parameters<typeof planDeployKeys>[0] => ({
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
    applications,
  });
  const record = {
    systemFlux: { inUse: 1 },
    applications: new Map<string, KeyGenerations>([
      ["storefront", { inUse: 4 }],
      ["billing", { inUse: 1 }],
    ]),
  };

  it("switches GitHub keys at once and stages the hand-added one, naming its settings", () => {
    const plan = planDeployKeys(settings(true), { deployKeyGenerations: record });
    expect(plan.problems).toEqual([]);
    expect(plan.systemFlux).toEqual({ inUse: 2 });
    expect(Object.fromEntries(plan.applications)).toEqual({
      storefront: { inUse: 5 },
      billing: { inUse: 1, staged: 2 },
    });
    expect(plan.warnings).toEqual([
      staging(2, 1)
        .replace(NEXT, "k8s-flux:applications[1].nextKeyGeneration")
        .replace(SETTING, "k8s-flux:applications[1].keyGeneration"),
    ]);
  });

  it("with registerDeployKeys false refuses the GitHub repositories' unstaged switches", () => {
    const plan = planDeployKeys(settings(false), { deployKeyGenerations: record });
    expect(plan.problems.map((problem) => problem.split(" would ")[0])).toEqual([
      "k8s-flux:systemFlux.keyGeneration: 2",
      "k8s-flux:applications[0].keyGeneration: 5",
    ]);
  });

  it("uses every configured key at once when the last update left no record", () => {
    const plan = planDeployKeys(settings(false), { applications: ["storefront", "billing"] });
    expect(plan.problems).toEqual([]);
    expect(plan.systemFlux).toEqual({ inUse: 2 });
    expect(Object.fromEntries(plan.applications)).toEqual({
      storefront: { inUse: 5 },
      billing: { inUse: 1, staged: 2 },
    });
  });

  it("uses a new application's key at once, beside recorded ones", () => {
    const plan = planDeployKeys(settings(false), {
      applications: ["billing"],
      deployKeyGenerations: {
        systemFlux: { inUse: 2 },
        applications: new Map([["billing", { inUse: 1 }]]),
      },
    });
    expect(plan.problems).toEqual([]);
    expect(plan.applications.get("storefront")).toEqual({ inUse: 5 });
  });

  it("warns about the keys of an application no longer configured", () => {
    const plan = planDeployKeys(
      settings(true, [application("storefront", "git@github.com:acme/storefront-flux.git", 4)]),
      {
        deployKeyGenerations: {
          systemFlux: { inUse: 2 },
          applications: new Map<string, KeyGenerations>([
            ["storefront", { inUse: 4 }],
            ["billing", { inUse: 1, staged: 2 }],
          ]),
        },
      },
    );
    expect(plan.warnings).toEqual([
      "Application billing is no longer configured, so this update deletes its deploy keys 1 and 2; remove any you added by hand from its repository.",
    ]);
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

  it("keeps whether the keys were registered on GitHub, when the record says so as a boolean", () => {
    const last = parseLastDeployment({
      deployKeyGenerations: {
        systemFlux: { inUse: 1, registeredOnGitHub: true },
        applications: {
          byHand: { inUse: 2, staged: 3, registeredOnGitHub: false },
          older: { inUse: 1 },
          text: { inUse: 1, registeredOnGitHub: "yes" },
        },
      },
    });
    expect(last.deployKeyGenerations?.systemFlux).toEqual({ inUse: 1, registeredOnGitHub: true });
    expect([...(last.deployKeyGenerations?.applications ?? [])]).toEqual([
      ["byHand", { inUse: 2, staged: 3, registeredOnGitHub: false }],
      ["older", { inUse: 1 }],
      ["text", { inUse: 1 }],
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
