/**
 * Inputs that would reach Flux or the messages unchecked: intervals Flux cannot hold, invisible
 * characters, host keys that are not what they say, settings that hide from the schema, and
 * values messages must quote as the user wrote them.
 */
import { createECDH } from "node:crypto";
import { describe, expect, it } from "vitest";
import { durationNanoseconds, intervalProblem } from "../stacks/durations";
import { readRawStackConfig } from "../stacks/loadConfig";
import { sshPublicKeyProblem } from "../stacks/sshPublicKey";
import { app, MINIMAL, problemsOf, validate, ZONE } from "./configFixtures";
import { TEST_HOST_KEYS } from "./fixtures/hostKeys";

const TOP_LEVEL_KEYS =
  "clusterName, externalDns, systemFlux, applications, sealedSecrets, metricsServer, newrelic, knownHosts, registerDeployKeys, waitForReadiness, newrelicLicenseKey";
const HOST_KEY_TYPES =
  "ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com";
const KNOWN_HOSTS_EXPECTED =
  'expected known_hosts lines "<host> <key-type> <base64-key>" as printed by ssh-keyscan, checked out of band';

describe("reconcile intervals", () => {
  const intervalProblems = (interval: string) =>
    problemsOf({ ...MINIMAL, applications: [app("shop", { interval })] });

  it.each(["1s", "9s", "9999ms", "9.999s", "0.1m"])(
    "refuses %s, below the 10s floor",
    (interval) => {
      expect(intervalProblems(interval)).toEqual([
        `k8s-flux:applications[0].interval: ${JSON.stringify(interval)} is shorter than 10s, the shortest interval allowed; expected 10s or more, such as 1m`,
      ]);
    },
  );

  it.each(["99999999h", "2562048h", "2562047h47m16.854775808s", "153722867281m"])(
    "refuses %s, longer than Go's time.Duration holds",
    (interval) => {
      expect(intervalProblems(interval)).toEqual([
        `k8s-flux:applications[0].interval: ${JSON.stringify(interval)} is longer than Flux can read (Go durations end at 2562047h47m16.854775807s); expected a duration such as 1h or 24h`,
      ]);
    },
  );

  it("accepts the floor and the longest duration Go holds, to the nanosecond", () => {
    for (const interval of ["10s", "0.25m", "2562047h47m16.854775807s"]) {
      expect(
        validate({ ...MINIMAL, applications: [app("shop", { interval })] }).applications[0]
          ?.interval,
      ).toBe(interval);
    }
  });

  it("reads durations exactly, as Go does", () => {
    expect(durationNanoseconds("1h30m")).toBe(5_400_000_000_000n);
    expect(durationNanoseconds("1.5h")).toBe(5_400_000_000_000n);
    expect(durationNanoseconds("2562047h47m16.854775807s")).toBe(2n ** 63n - 1n);
    expect(durationNanoseconds("1.0000000001s")).toBe(1_000_000_000n);
    expect(durationNanoseconds("1d")).toBeUndefined();
    expect(intervalProblem("0m0s", "it")).toBe(
      "it is zero; expected a positive duration such as 1m",
    );
  });
});

describe("invisible characters in branches and paths", () => {
  it.each([
    ["a right-to-left override", "main\u202e", "\\u202E"],
    ["a zero-width space", "ma\u200bin", "\\u200B"],
    ["a zero-width joiner", "release\u200d", "\\u200D"],
    ["a byte-order mark", "\ufeffmain", "\\uFEFF"],
    ["a left-to-right isolate", "main\u2066", "\\u2066"],
    ["a no-break space", "ma\u00a0in", "\\u00A0"],
    ["a control character", "ma\u0007in", "\\u0007"],
  ])("refuses a branch with %s, and escapes it in the message", (_, branch, escaped) => {
    const shown = JSON.stringify(branch).replace(/[^\x20-\x7e]/gu, escaped);
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", branch },
      }),
    ).toEqual([
      `k8s-flux:systemFlux.branch: ${shown} has the invisible character ${escaped}, which would make it read as something else; expected a branch name such as main`,
    ]);
  });

  it("refuses a path with a bidirectional override, and escapes it in the message", () => {
    expect(
      problemsOf({ ...MINIMAL, applications: [app("shop", { path: "clusters/\u202eved" })] }),
    ).toEqual([
      'k8s-flux:applications[0].path: "clusters/\\u202Eved" has the invisible character \\u202E, which would make it read as something else; expected a path such as clusters/dev',
    ]);
  });

  /** Characters outside the control, format and separator categories that still show nothing. */
  const ALSO_INVISIBLE = [
    ["a combining grapheme joiner", "\u034f", "\\u034F"],
    ["variation selector 16", "\ufe0f", "\\uFE0F"],
    ["variation selector 17", "\u{e0100}", "\\u{E0100}"],
    ["a Mongolian free variation selector", "\u180b", "\\u180B"],
    ["a Khmer inherent vowel", "\u17b4", "\\u17B4"],
    ["the Hangul choseong filler", "\u115f", "\\u115F"],
    ["the Hangul jungseong filler", "\u1160", "\\u1160"],
    ["the Hangul filler", "\u3164", "\\u3164"],
    ["the halfwidth Hangul filler", "\uffa0", "\\uFFA0"],
    ["the braille blank", "\u2800", "\\u2800"],
    ["a soft hyphen", "\u00ad", "\\u00AD"],
    ["the delete control", "\u007f", "\\u007F"],
    ["a C1 control (next line)", "\u0085", "\\u0085"],
  ] as const;

  it.each(ALSO_INVISIBLE)("refuses a branch with %s", (_, character, escaped) => {
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", branch: `ma${character}in` },
      }),
    ).toEqual([
      `k8s-flux:systemFlux.branch: "ma${escaped}in" has the invisible character ${escaped}, which would make it read as something else; expected a branch name such as main`,
    ]);
  });

  it.each(ALSO_INVISIBLE)("refuses a path with %s", (_, character, escaped) => {
    expect(
      problemsOf({ ...MINIMAL, applications: [app("shop", { path: `clusters/${character}dev` })] }),
    ).toEqual([
      `k8s-flux:applications[0].path: "clusters/${escaped}dev" has the invisible character ${escaped}, which would make it read as something else; expected a path such as clusters/dev`,
    ]);
  });

  it.each([
    ["a lone high surrogate", "\ud800", "\\ud800", "\\uD800"],
    ["a lone low surrogate", "\udfff", "\\udfff", "\\uDFFF"],
  ])("refuses a branch and a path with %s", (_, character, shown, escaped) => {
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: {
          repository: "git@github.com:acme/k8s-flux.git",
          branch: `main${character}`,
          path: `${character}clusters`,
        },
      }),
    ).toEqual([
      `k8s-flux:systemFlux.branch: "main${shown}" has the invisible character ${escaped}, which would make it read as something else; expected a branch name such as main`,
      `k8s-flux:systemFlux.path: "${shown}clusters" has the invisible character ${escaped}, which would make it read as something else; expected a path such as clusters/dev`,
    ]);
  });

  it("accepts visible letters beside those fillers' blocks, and emoji without a selector", () => {
    const settings = validate({
      ...MINIMAL,
      systemFlux: {
        repository: "git@github.com:acme/k8s-flux.git",
        branch: "feature/\u1100\u{1f680}",
      },
      applications: [app("shop", { path: "clusters/\u3131\u2801" })],
    });
    expect(settings.systemFlux.branch).toBe("feature/\u1100\u{1f680}");
    expect(settings.applications[0]?.path).toBe("./clusters/\u3131\u2801");
  });

  it("accepts a path with a plain space and non-ASCII letters", () => {
    expect(
      validate({ ...MINIMAL, applications: [app("shop", { path: "clusters/café prod" })] })
        .applications[0]?.path,
    ).toBe("./clusters/café prod");
  });
});

/** An SSH wire-format blob: each field as a uint32 length and its bytes. */
function wire(...fields: (string | Buffer)[]): string {
  return Buffer.concat(
    fields.flatMap((field) => {
      const bytes = typeof field === "string" ? Buffer.from(field, "latin1") : field;
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  ).toString("base64");
}

/** A fixed point on a curve (seven times its generator): deterministic, and never a secret. */
function curvePoint(curve: string, bytes: number): Buffer {
  const ecdh = createECDH(curve);
  const scalar = Buffer.alloc(bytes);
  scalar[bytes - 1] = 7;
  ecdh.setPrivateKey(scalar);
  return ecdh.getPublicKey();
}

describe("known_hosts keys decode as the type they declare", () => {
  const base64Of = (line: string) => line.split(" ")[1] ?? "";

  it.each([
    ["ssh-ed25519", base64Of(TEST_HOST_KEYS.ed25519)],
    ["ssh-rsa", base64Of(TEST_HOST_KEYS.rsa)],
    ["ecdsa-sha2-nistp256", base64Of(TEST_HOST_KEYS.ecdsaP256)],
    ["ecdsa-sha2-nistp384", wire("ecdsa-sha2-nistp384", "nistp384", curvePoint("secp384r1", 48))],
    ["ecdsa-sha2-nistp521", wire("ecdsa-sha2-nistp521", "nistp521", curvePoint("secp521r1", 66))],
    ["sk-ssh-ed25519@openssh.com", wire("sk-ssh-ed25519@openssh.com", Buffer.alloc(32, 3), "ssh:")],
    [
      "sk-ecdsa-sha2-nistp256@openssh.com",
      wire("sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", curvePoint("prime256v1", 32), "ssh:"),
    ],
  ])("accepts a well-formed %s key", (type, key) => {
    expect(sshPublicKeyProblem(type, key)).toBeUndefined();
    const knownHosts = { "git.example.org": `git.example.org ${type} ${key}` };
    expect(validate({ ...MINIMAL, knownHosts }).knownHosts["git.example.org"]).toBe(
      knownHosts["git.example.org"],
    );
  });

  const ed25519 = base64Of(TEST_HOST_KEYS.ed25519);
  it.each([
    ["a truncated blob", "ssh-ed25519", "AAAA", "its key is too short to be an SSH key"],
    ["another type's key", "ssh-rsa", ed25519, 'its key is a "ssh-ed25519" key, not ssh-rsa'],
    [
      "a short Ed25519 key",
      "ssh-ed25519",
      wire("ssh-ed25519", Buffer.alloc(31, 1)),
      "its Ed25519 key is 31 bytes; expected 32",
    ],
    [
      "bytes after the key",
      "ssh-ed25519",
      wire("ssh-ed25519", Buffer.alloc(32, 1), "extra"),
      "its key has 9 bytes after the ssh-ed25519 key",
    ],
    ["text that is not base64", "ssh-ed25519", `${ed25519.slice(0, -4)}A`, "its key is not base64"],
    [
      "an RSA modulus of 512 bits",
      "ssh-rsa",
      wire(
        "ssh-rsa",
        Buffer.from([1, 0, 1]),
        Buffer.concat([Buffer.from([0x40]), Buffer.alloc(63, 1)]),
      ),
      "its RSA modulus has 511 bits; OpenSSH refuses fewer than 1024",
    ],
    [
      "a negative RSA modulus",
      "ssh-rsa",
      wire("ssh-rsa", Buffer.from([1, 0, 1]), Buffer.alloc(256, 0xff)),
      "its RSA exponent or modulus is not a positive number",
    ],
    [
      "a point off the curve",
      "ecdsa-sha2-nistp256",
      wire(
        "ecdsa-sha2-nistp256",
        "nistp256",
        Buffer.concat([Buffer.from([4]), Buffer.alloc(32, 1), Buffer.alloc(32, 2)]),
      ),
      "its point is not on curve nistp256",
    ],
    [
      "another curve's name",
      "ecdsa-sha2-nistp256",
      wire("ecdsa-sha2-nistp256", "nistp384", curvePoint("prime256v1", 32)),
      'it names curve "nistp384"; expected nistp256',
    ],
    [
      "a compressed point",
      "ecdsa-sha2-nistp256",
      wire("ecdsa-sha2-nistp256", "nistp256", Buffer.alloc(33, 2)),
      "its point is not an uncompressed nistp256 point",
    ],
    [
      "a security key without its application",
      "sk-ssh-ed25519@openssh.com",
      wire("sk-ssh-ed25519@openssh.com", Buffer.alloc(32, 3)),
      "its security key application is missing",
    ],
  ])("refuses %s", (_, type, key, reason) => {
    const line = `git.example.org ${type} ${key}`;
    expect(problemsOf({ ...MINIMAL, knownHosts: { "git.example.org": line } })).toEqual([
      `k8s-flux:knownHosts["git.example.org"]: has a line whose key does not decode as its declared type ${type} (${reason}): ${JSON.stringify(line.slice(0, 60))}; ${KNOWN_HOSTS_EXPECTED}`,
    ]);
  });

  it("shows the key types and curve names it quotes with invisible characters escaped", () => {
    // A right-to-left override would print the rest of the message backwards.
    expect(sshPublicKeyProblem("ssh-ed25519\u202E", ed25519)).toBe(
      `key type "ssh-ed25519\\u202E" is not a host key type; expected one of ${HOST_KEY_TYPES}`,
    );
    // The blob's own fields are bytes, read one character each: a C1 control such as 0x9B,
    // which some terminals take as the start of an escape sequence, and a soft hyphen (0xAD),
    // which prints as nothing.
    expect(sshPublicKeyProblem("ssh-rsa", wire("ssh-rsa\u009B", Buffer.alloc(32, 1)))).toBe(
      'its key is a "ssh-rsa\\u009B" key, not ssh-rsa',
    );
    expect(
      sshPublicKeyProblem(
        "ecdsa-sha2-nistp256",
        wire("ecdsa-sha2-nistp256", "nistp256\u00AD", curvePoint("prime256v1", 32)),
      ),
    ).toBe('it names curve "nistp256\\u00AD"; expected nistp256');
  });

  it("names the key types it accepts when a line declares another", () => {
    const line = `git.example.org ssh-dss ${ed25519}`;
    expect(problemsOf({ ...MINIMAL, knownHosts: { "git.example.org": line } })).toEqual([
      `k8s-flux:knownHosts["git.example.org"]: has a line with key type "ssh-dss", which is not a host key type this program accepts; expected one of ${HOST_KEY_TYPES}: ${JSON.stringify(line.slice(0, 60))}; ${KNOWN_HOSTS_EXPECTED}`,
    ]);
  });

  it("refuses a marker other than @cert-authority and @revoked, and invisible characters", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        knownHosts: {
          "git.example.org": `@trusted git.example.org ${TEST_HOST_KEYS.ed25519}`,
          "git.example.com": `git.example.com\u200b ${TEST_HOST_KEYS.ed25519}`,
        },
      }),
    ).toEqual([
      `k8s-flux:knownHosts["git.example.org"]: has a line that is not "<host> <key-type> <base64-key>": ${JSON.stringify(`@trusted git.example.org ${TEST_HOST_KEYS.ed25519}`.slice(0, 60))}; ${KNOWN_HOSTS_EXPECTED}`,
      `k8s-flux:knownHosts["git.example.com"]: has a line with the invisible character \\u200B: ${JSON.stringify(`git.example.com\u200b ${TEST_HOST_KEYS.ed25519}`.slice(0, 60)).replace("\u200b", "\\u200B")}; ${KNOWN_HOSTS_EXPECTED}`,
    ]);
  });

  it("checks every line, not only the first", () => {
    const lines = `git.example.org ${TEST_HOST_KEYS.ed25519}\ngit.example.org ssh-ed25519 AAAA`;
    expect(problemsOf({ ...MINIMAL, knownHosts: { "git.example.org": lines } })).toEqual([
      `k8s-flux:knownHosts["git.example.org"]: has a line whose key does not decode as its declared type ssh-ed25519 (its key is too short to be an SSH key): "git.example.org ssh-ed25519 AAAA"; ${KNOWN_HOSTS_EXPECTED}`,
    ]);
  });
});

describe("knownHosts entries for one host", () => {
  it("are refused when they differ only in case", () => {
    const line = `git.example.org ${TEST_HOST_KEYS.ed25519}`;
    expect(
      problemsOf({
        ...MINIMAL,
        knownHosts: { "git.example.org": line, "Git.Example.org": line, "GIT.EXAMPLE.ORG": line },
      }),
    ).toEqual([
      'k8s-flux:knownHosts["Git.Example.org"]: names the same host as k8s-flux:knownHosts["git.example.org"], since host names ignore case; expected one entry per host',
      'k8s-flux:knownHosts["GIT.EXAMPLE.ORG"]: names the same host as k8s-flux:knownHosts["git.example.org"], since host names ignore case; expected one entry per host',
    ]);
  });
});

describe("a repository host named like a built-in object key", () => {
  it("has no known_hosts entry unless the stack gives one", () => {
    expect(
      problemsOf({ ...MINIMAL, systemFlux: { repository: "git@constructor:acme/flux.git" } }),
    ).toEqual([
      'k8s-flux:systemFlux.repository: no SSH host key is known for constructor; expected an entry for it in k8s-flux:knownHosts, such as constructor: "<output of ssh-keyscan constructor, checked out of band>"',
    ]);
    const knownHosts = { constructor: `constructor ${TEST_HOST_KEYS.ed25519}` };
    expect(
      validate({
        ...MINIMAL,
        systemFlux: { repository: "git@constructor:acme/flux.git" },
        knownHosts,
      }).knownHosts["constructor"],
    ).toBe(knownHosts.constructor);
  });
});

describe("domain filters", () => {
  it.each(["*.example.com", "*.Dev.Example.com"])(
    "refuses the wildcard %s, with the domain that covers its subdomains",
    (filter) => {
      expect(
        problemsOf({ ...MINIMAL, externalDns: { domainFilters: [filter], hostedZoneIds: [ZONE] } }),
      ).toEqual([
        `k8s-flux:externalDns.domainFilters[0]: ${JSON.stringify(filter)} is a wildcard, which External DNS compares literally, so it would match no record; expected the domain itself, such as ${JSON.stringify(filter.slice(2))}, which also covers its subdomains`,
      ]);
    },
  );

  it("refuses a wildcard anywhere else as no domain name", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        externalDns: { domainFilters: ["api.*.example.com"], hostedZoneIds: [ZONE] },
      }),
    ).toEqual([
      'k8s-flux:externalDns.domainFilters[0]: "api.*.example.com" is not a DNS domain name; expected a domain such as dev.example.com',
    ]);
  });
});

describe("keys that name properties of every object", () => {
  const UNKNOWN = (key: string) =>
    `k8s-flux:${key}: unknown setting; expected one of ${TOP_LEVEL_KEYS}`;

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty"])(
    "k8s-flux:%s is read and reported as an unknown setting",
    (key) => {
      const raw = readRawStackConfig(
        {
          "k8s-flux:clusterName": "dev-eks",
          "k8s-flux:systemFlux": '{"repository":"git@github.com:acme/k8s-flux.git"}',
          "k8s-flux:newrelic": '{"enabled":false}',
          "k8s-flux:externalDns": JSON.stringify({ hostedZoneIds: [ZONE] }),
          [`k8s-flux:${key}`]: '{"enabled":true}',
        },
        true,
        () => false,
      );
      expect(Object.keys(raw.values)).toContain(key);
      expect(problemsOf(raw.values)).toEqual([UNKNOWN(key)]);
    },
  );

  it.each(["__proto__", "constructor"])("a nested %s is an unknown setting too", (key) => {
    const systemFlux = JSON.parse(
      `{"repository":"git@github.com:acme/k8s-flux.git","${key}":{"branch":"evil"}}`,
    ) as unknown;
    expect(problemsOf({ ...MINIMAL, systemFlux })).toEqual([
      `k8s-flux:systemFlux.${key}: unknown setting; expected one of repository, branch, path, interval, imageAutomation, keyGeneration, nextKeyGeneration, installOperator, operatorWebUi`,
    ]);
  });
});

describe("__proto__ inside a table of the user's own keys", () => {
  const KNOWN_HOST = `git.example.org ${TEST_HOST_KEYS.ed25519}`;
  /** What JSON.parse makes of the stack file's text: `__proto__` as an own key. */
  const withPrototypeKey = (entries: Record<string, unknown>): unknown =>
    JSON.parse(`{"__proto__":"1",${JSON.stringify(entries).slice(1)}`);
  const PROTOTYPE = `unknown setting: "__proto__" is the name JavaScript gives an object's prototype, so it cannot name an entry; expected`;

  it("is an unknown setting in knownHosts, read from the stack file's text", () => {
    const raw = readRawStackConfig(
      {
        "k8s-flux:clusterName": "dev-eks",
        "k8s-flux:systemFlux": '{"repository":"git@github.com:acme/k8s-flux.git"}',
        "k8s-flux:newrelic": '{"enabled":false}',
        "k8s-flux:externalDns": JSON.stringify({ hostedZoneIds: [ZONE] }),
        "k8s-flux:knownHosts": `{"__proto__":"garbage","git.example.org":${JSON.stringify(KNOWN_HOST)}}`,
      },
      true,
      () => false,
    );
    expect(problemsOf(raw.values)).toEqual([
      `k8s-flux:knownHosts.__proto__: ${PROTOTYPE} host names, such as gitlab.com`,
    ]);
  });

  it.each([
    [
      "resourceQuota",
      { resourceQuota: withPrototypeKey({ pods: "10" }) },
      "resourceQuota",
      "resource names, such as requests.cpu, limits.memory or pods",
    ],
    [
      "limitRange.default",
      { limitRange: { default: withPrototypeKey({ cpu: "1" }) } },
      "limitRange.default",
      "container resources: cpu, memory, ephemeral-storage",
    ],
    [
      "limitRange.defaultRequest",
      { limitRange: { defaultRequest: withPrototypeKey({ memory: "128Mi" }) } },
      "limitRange.defaultRequest",
      "container resources: cpu, memory, ephemeral-storage",
    ],
  ])("is an unknown setting in an application's %s", (_, extra, key, expected) => {
    expect(problemsOf({ ...MINIMAL, applications: [app("ok"), app("shop", extra)] })).toEqual([
      `k8s-flux:applications[1].${key}.__proto__: ${PROTOTYPE} ${expected}`,
    ]);
  });

  it("is an unknown setting, with nothing to suggest, inside a value that takes no keys", () => {
    const problems = problemsOf({
      ...MINIMAL,
      systemFlux: {
        repository: "git@github.com:acme/k8s-flux.git",
        branch: JSON.parse('{"__proto__":1}'),
      },
    });
    expect(problems).toContain(
      "k8s-flux:systemFlux.branch.__proto__: unknown setting: k8s-flux:systemFlux.branch takes no keys",
    );
    expect(problems.every((problem) => !problem.endsWith("expected one of "))).toBe(true);
  });

  it("is reported beside the table's other problems, which still run on the rest", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        applications: [app("shop", { resourceQuota: withPrototypeKey({ "requests.gpu": "1" }) })],
      }),
    ).toEqual([
      `k8s-flux:applications[0].resourceQuota.__proto__: ${PROTOTYPE} resource names, such as requests.cpu, limits.memory or pods`,
      expect.stringMatching(
        /^k8s-flux:applications\[0\]\.resourceQuota\["requests\.gpu"\]: "requests\.gpu" is not a resource/,
      ),
    ]);
  });

  it("under a key stored as a secret is only that key's problem, which quotes nothing", () => {
    expect(
      problemsOf(
        { ...MINIMAL, knownHosts: withPrototypeKey({ "git.example.org": KNOWN_HOST }) },
        { secretKeys: ["knownHosts"] },
      ),
    ).toEqual([
      "k8s-flux:knownHosts: is stored as a secret, but its value is written to plain state, outputs and GitHub; expected it set without --secret",
    ]);
  });

  it.each(["constructor", "prototype", "toString"])(
    "leaves %s to each table's own rules, which refuse it as a resource name",
    (key) => {
      expect(
        problemsOf({
          ...MINIMAL,
          applications: [app("shop", { limitRange: { default: { [key]: "1" } } })],
        }),
      ).toEqual([
        `k8s-flux:applications[0].limitRange.default.${key}: "${key}" is not a container resource a LimitRange gives defaults for; expected cpu, memory, ephemeral-storage`,
      ]);
    },
  );
});

describe("a secret stored under an unknown key", () => {
  it("is an unknown setting, with the key it was meant to be, and its value unquoted", () => {
    const problems = problemsOf(
      { ...MINIMAL, newRelicLicenseKey: "SUPERSECRET-TEST-0123456789abcdef" },
      { secretKeys: ["newRelicLicenseKey"] },
    );
    expect(problems).toEqual([
      `k8s-flux:newRelicLicenseKey: unknown setting (did you mean "newrelicLicenseKey"?); expected one of ${TOP_LEVEL_KEYS}`,
    ]);
    expect(problems.join("\n")).not.toContain("SUPERSECRET");
  });

  it("with no close match is an unknown setting without a guess", () => {
    expect(
      problemsOf({ ...MINIMAL, apiToken: "SUPERSECRET" }, { secretKeys: ["apiToken"] }),
    ).toEqual([`k8s-flux:apiToken: unknown setting; expected one of ${TOP_LEVEL_KEYS}`]);
  });
});

describe("keyGeneration, quoted as typed", () => {
  /** Reads the settings as the CLI passes them, JSON text, and returns the problems. */
  const problemsOfText = (systemFlux: string, applications = "[]") => {
    const raw = readRawStackConfig(
      {
        "k8s-flux:clusterName": "dev-eks",
        "k8s-flux:newrelic": '{"enabled":false}',
        "k8s-flux:externalDns": JSON.stringify({ hostedZoneIds: [ZONE] }),
        "k8s-flux:systemFlux": systemFlux,
        "k8s-flux:applications": applications,
      },
      true,
      () => false,
    );
    return problemsOf(raw.values, raw.numbersAsTyped ? { numbersAsTyped: raw.numbersAsTyped } : {});
  };
  const system = (keyGeneration: string) =>
    `{"repository":"git@github.com:acme/k8s-flux.git","keyGeneration":${keyGeneration}}`;

  it.each([
    ["9007199254740993", "is too large; expected a whole number from 1 to 9007199254740991"],
    ["1e400", "is too large; expected a whole number from 1 to 9007199254740991"],
    ["1e+21", "is too large; expected a whole number from 1 to 9007199254740991"],
    ["1.50", "is not a whole number; expected 1, 2, 3, ..."],
    ["2.0e-1", "is not a whole number; expected 1, 2, 3, ..."],
    ["0.5", "is not a whole number; expected 1, 2, 3, ..."],
    ["-0", "is below 1; expected 1, 2, 3, ..."],
    ["0", "is below 1; expected 1, 2, 3, ..."],
    ["-3", "is below 1; expected 1, 2, 3, ..."],
  ])("%s", (typed, reason) => {
    expect(problemsOfText(system(typed))).toEqual([
      `k8s-flux:systemFlux.keyGeneration: ${typed} ${reason}`,
    ]);
  });

  it("in a list entry, and as a value of the wrong type", () => {
    expect(
      problemsOfText(
        system('"2"'),
        '[{"name":"shop","repository":"git@github.com:acme/shop.git","keyGeneration":1.10}]',
      ),
    ).toEqual([
      'k8s-flux:systemFlux.keyGeneration: expected a number, got string "2"; write 2 without quotes',
      "k8s-flux:applications[0].keyGeneration: 1.10 is not a whole number; expected 1, 2, 3, ...",
    ]);
  });

  it("takes the largest exact whole number", () => {
    const raw = readRawStackConfig(
      {
        "k8s-flux:clusterName": "dev-eks",
        "k8s-flux:newrelic": '{"enabled":false}',
        "k8s-flux:externalDns": JSON.stringify({ hostedZoneIds: [ZONE] }),
        "k8s-flux:systemFlux": system("9007199254740991"),
      },
      true,
      () => false,
    );
    expect(raw.numbersAsTyped).toBeUndefined();
    expect(validate(raw.values).systemFlux.keyGeneration).toBe(9007199254740991);
  });
});
