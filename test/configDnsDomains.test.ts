/**
 * `k8s-flux:applications[i].dnsDomains`: the domains a tenant may name, as the config takes them,
 * and the policy the whole program makes of them, for that application only.
 */
import { describe, expect, it } from "vitest";
import { app, MINIMAL, problemsOf, validate, ZONE } from "./configFixtures";

const withApp = (extra: Record<string, unknown>, externalDns: Record<string, unknown> = {}) => ({
  ...MINIMAL,
  externalDns: { hostedZoneIds: [ZONE], ...externalDns },
  applications: [app("storefront", extra)],
});

describe("an application's dnsDomains", () => {
  it("are taken lower-cased, in order, the trailing dot kept", () => {
    const [storefront] = validate(
      withApp({ dnsDomains: ["Shop.Example.com", "shop.example.net."] }),
    ).applications;
    expect(storefront?.dnsDomains).toEqual(["shop.example.com", "shop.example.net."]);
  });

  it("may be empty, which lets the tenant name no DNS name", () => {
    const [storefront] = validate(withApp({ dnsDomains: [] })).applications;
    expect(storefront?.dnsDomains).toEqual([]);
  });

  it("have no default: left out, the application has none and no policy is asked for", () => {
    const [storefront] = validate(withApp({})).applications;
    expect(storefront).not.toHaveProperty("dnsDomains");
  });

  it("are taken with External DNS off here, for an External DNS or ingress run elsewhere", () => {
    const settings = validate(
      withApp({ dnsDomains: ["shop.example.com"] }, { enabled: false, hostedZoneIds: [] }),
    );
    expect(settings.externalDns).toBeUndefined();
    expect(settings.applications[0]?.dnsDomains).toEqual(["shop.example.com"]);
  });

  it.each([
    [
      "a wildcard",
      "*.example.com",
      '"*.example.com" is a wildcard, which External DNS compares literally, so it would match no record; expected the domain itself, such as "example.com", which also covers its subdomains',
    ],
    [
      "an invisible character",
      "shop\u200b.example.com",
      '"shop\\u200B.example.com" has the invisible character \\u200B, which would make it read as something else; expected a domain such as shop.example.com',
    ],
    [
      "a right-to-left override",
      "moc.elpmaxe\u202e",
      '"moc.elpmaxe\\u202E" has the invisible character \\u202E, which would make it read as something else; expected a domain such as shop.example.com',
    ],
    [
      "a name that is no DNS name",
      "shop_front.example.com",
      '"shop_front.example.com" is not a DNS domain name; expected a domain such as dev.example.com',
    ],
    [
      "the same domain twice",
      "shop.example.com",
      '"shop.example.com" is listed twice; expected each domain once',
    ],
    [
      "the same domain in other case, with the trailing dot",
      "SHOP.example.com.",
      '"SHOP.example.com." is the same domain as "shop.example.com", listed before it, since DNS names ignore case and the root\'s trailing dot; expected each domain once',
    ],
  ])("refuse %s, under the entry's own key", (_, domain, message) => {
    expect(problemsOf(withApp({ dnsDomains: ["shop.example.com", domain] }))).toEqual([
      `k8s-flux:applications[0].dnsDomains[1]: ${message}`,
    ]);
  });

  it("report every bad entry of every application at once, beside other problems", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        applications: [
          app("storefront", { dnsDomains: ["shop.example.com", "*.shop.example.com"] }),
          app("payments", {
            dnsDomains: ["pay.example.com", 42, "Pay.Example.com"],
            networkPolicy: "yes",
          }),
        ],
      }),
    ).toEqual([
      'k8s-flux:applications[0].dnsDomains[1]: "*.shop.example.com" is a wildcard, which External DNS compares literally, so it would match no record; expected the domain itself, such as "shop.example.com", which also covers its subdomains',
      'k8s-flux:applications[1].networkPolicy: expected a boolean, got string "yes"; write true or false, without quotes',
      "k8s-flux:applications[1].dnsDomains[1]: expected a string, got number 42; YAML reads 42 without quotes as a number: write the text in quotes (with pulumi config set --path, add --type string)",
      'k8s-flux:applications[1].dnsDomains[2]: "Pay.Example.com" is the same domain as "pay.example.com", listed before it, since DNS names ignore case and the root\'s trailing dot; expected each domain once',
    ]);
  });

  it("must be a list", () => {
    expect(problemsOf(withApp({ dnsDomains: "shop.example.com" }))).toEqual([
      'k8s-flux:applications[0].dnsDomains: expected a list, got string "shop.example.com"',
    ]);
  });

  it("are suggested for a misspelt key", () => {
    expect(problemsOf(withApp({ dnsDomain: ["shop.example.com"] }))).toEqual([
      'k8s-flux:applications[0].dnsDomain: unknown setting (did you mean "dnsDomains"?); expected one of name, repository, branch, path, interval, podSecurity, keyGeneration, nextKeyGeneration, resourceQuota, limitRange, networkPolicy, dnsDomains',
    ]);
  });
});

describe("External DNS's annotationPrefix, which the tenants' policies also check", () => {
  it("is taken as a lower-case DNS subdomain and a slash", () => {
    const settings = validate(withApp({}, { annotationPrefix: "dns.acme.io/" }));
    expect(settings.externalDns).toMatchObject({ annotationPrefix: "dns.acme.io/" });
    expect(settings.externalDnsAnnotationPrefix).toBe("dns.acme.io/");
  });

  it("is kept with External DNS off here, as the prefix of one run elsewhere", () => {
    const settings = validate(
      withApp({}, { enabled: false, hostedZoneIds: [], annotationPrefix: "dns.acme.io/" }),
    );
    expect(settings.externalDns).toBeUndefined();
    expect(settings.externalDnsAnnotationPrefix).toBe("dns.acme.io/");
  });

  it("is not asked for: left out, only the default and legacy prefixes are checked", () => {
    expect(validate(withApp({}))).not.toHaveProperty("externalDnsAnnotationPrefix");
  });

  it.each(["-dns.acme.io/", "dns..acme.io/", "dns.acme.io-/", ".acme.io/", "dns.acme.io"])(
    "refuses %s, which no annotation key can start with, before anything is made",
    (prefix) => {
      expect(problemsOf(withApp({}, { annotationPrefix: prefix }))).toEqual([
        `k8s-flux:externalDns.annotationPrefix: ${JSON.stringify(prefix)} is not an annotation prefix; expected a DNS subdomain in lower case followed by a slash, such as "dns.acme.io/"`,
      ]);
    },
  );
});
