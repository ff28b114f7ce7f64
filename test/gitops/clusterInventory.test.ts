import { describe, expect, it } from "vitest";
import { outsideChanges, type ClusterObject, type ClusterWrite } from "./clusterInventory";

const object = (
  name: string,
  namespace: string | undefined,
  extra: Partial<ClusterObject> = {},
): ClusterObject => ({
  type: "v1 ConfigMap",
  namespace,
  name,
  uid: `uid-${namespace}-${name}`,
  created: "2026-01-01T00:00:00Z",
  writes: [],
  ...extra,
});
const write = (
  manager: string,
  operation: ClusterWrite["operation"],
  time: string,
): ClusterWrite => ({ manager, operation, time });

// Whole seconds: 10:00:00 is the second the change began in.
const since = new Date("2026-01-01T10:00:00.700Z");
const tenant = ["shop", "shop-flux"];

describe("changes outside a tenant's namespaces", () => {
  it("are new objects and server-side applies since the change began, anywhere but there", () => {
    const before = [object("old", "kube-system"), object("kept", "shop")];
    const applied = object("old", "flux-system", {
      uid: "uid-applied",
      writes: [write("kustomize-controller", "Apply", "2026-01-01T10:00:00Z")],
    });
    const appliedEarlier = object("older", "flux-system", {
      uid: "uid-earlier",
      writes: [write("kustomize-controller", "Apply", "2026-01-01T09:59:59Z")],
    });
    const after = [
      ...before,
      object("new", "kube-system"),
      object("binding", undefined, { type: "rbac.authorization.k8s.io/v1 ClusterRoleBinding" }),
      object("inside", "shop"),
      object("record", "default", { type: "v1 Event" }),
      applied,
      appliedEarlier,
    ];
    expect(outsideChanges([...before, applied, appliedEarlier], after, since, tenant)).toEqual([
      "created v1 ConfigMap kube-system/new",
      "created rbac.authorization.k8s.io/v1 ClusterRoleBinding binding",
      "applied v1 ConfigMap flux-system/old by kustomize-controller at 2026-01-01T10:00:00Z",
    ]);
  });

  it("are objects gone since, other than event records and the tenant's own", () => {
    const before = [
      object("platform-settings", "platform-tools"),
      object("reader", undefined, { type: "rbac.authorization.k8s.io/v1 ClusterRole" }),
      object("old-attempt", "shop"),
      object("record", "kube-system", { type: "events.k8s.io/v1 Event" }),
      object("kept", "kube-system"),
    ];
    const after = [object("kept", "kube-system")];
    expect(outsideChanges(before, after, since, tenant)).toEqual([
      "deleted v1 ConfigMap platform-tools/platform-settings",
      "deleted rbac.authorization.k8s.io/v1 ClusterRole reader",
    ]);
  });

  it("are an object deleted and made again under the same name: a new uid", () => {
    const before = [object("coredns", "kube-system", { uid: "first" })];
    const after = [object("coredns", "kube-system", { uid: "second" })];
    expect(outsideChanges(before, after, since, tenant)).toEqual([
      "created v1 ConfigMap kube-system/coredns",
      "deleted v1 ConfigMap kube-system/coredns",
    ]);
  });

  it("are updates and patches since then by a manager that writes for a tenant, and no one else's", () => {
    const written = [
      object("flux-system", "flux-system", {
        type: "kustomize.toolkit.fluxcd.io/v1 Kustomization",
        writes: [write("gotk-kustomize-controller", "Update", "2026-01-01T10:00:30Z")],
      }),
      object("flux", "flux-system", {
        type: "fluxcd.controlplane.io/v1 FluxInstance",
        writes: [write("flux-operator", "Update", "2026-01-01T10:01:00Z")],
      }),
      object("registry", "platform-tools", {
        type: "v1 Secret",
        writes: [write("sealed-secrets-controller", "Update", "2026-01-01T10:00:00Z")],
      }),
      object("coredns", "kube-system", {
        writes: [write("kustomize-controller", "Update", "2026-01-01T10:02:00Z")],
      }),
    ];
    const notCounted = [
      // Before the change began.
      object("earlier", "kube-system", {
        writes: [write("gotk-kustomize-controller", "Update", "2026-01-01T09:59:59Z")],
      }),
      // The platform's own writers.
      object("kube-controller-manager", "kube-system", {
        type: "coordination.k8s.io/v1 Lease",
        writes: [write("kube-controller-manager", "Update", "2026-01-01T10:00:10Z")],
      }),
      // Inside the tenant's namespaces.
      object("settings", "shop", {
        writes: [write("gotk-kustomize-controller", "Update", "2026-01-01T10:00:10Z")],
      }),
      object("shop", "shop-flux", {
        type: "kustomize.toolkit.fluxcd.io/v1 Kustomization",
        writes: [write("kustomize-controller", "Apply", "2026-01-01T10:00:10Z")],
      }),
    ];
    const listed = [...written, ...notCounted];
    expect(outsideChanges(listed, listed, since, tenant)).toEqual([
      "written kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/flux-system by gotk-kustomize-controller at 2026-01-01T10:00:30Z",
      "written fluxcd.controlplane.io/v1 FluxInstance flux-system/flux by flux-operator at 2026-01-01T10:01:00Z",
      "written v1 Secret platform-tools/registry by sealed-secrets-controller at 2026-01-01T10:00:00Z",
      "written v1 ConfigMap kube-system/coredns by kustomize-controller at 2026-01-01T10:02:00Z",
    ]);
  });

  it("leave out records: events, and the operator's FluxReport it rewrites every interval", () => {
    const before = [object("gone", "flux-system", { type: "v1 Event" })];
    const after = [
      object("new", "kube-system", { type: "events.k8s.io/v1 Event" }),
      object("flux", "flux-system", {
        type: "fluxcd.controlplane.io/v1 FluxReport",
        writes: [write("flux-operator", "Update", "2026-01-01T10:05:00Z")],
      }),
    ];
    expect(outsideChanges(before, after, since, tenant)).toEqual([]);
    // A kind of the same name in another group is no record.
    const lookalike = object("flux", "flux-system", { type: "example.com/v1 FluxReport" });
    expect(outsideChanges([], [lookalike], since, tenant)).toEqual([
      "created example.com/v1 FluxReport flux-system/flux",
    ]);
  });

  it("are nothing when the listings are the same and no write is as recent", () => {
    const listed = [
      object("old", "kube-system", {
        writes: [
          write("kustomize-controller", "Apply", "2026-01-01T09:00:00Z"),
          write("sealed-secrets-controller", "Update", "2026-01-01T09:59:59Z"),
        ],
      }),
      object("binding", undefined, { type: "rbac.authorization.k8s.io/v1 ClusterRoleBinding" }),
    ];
    expect(outsideChanges(listed, listed, since, tenant)).toEqual([]);
  });
});
