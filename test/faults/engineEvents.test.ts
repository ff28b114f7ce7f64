/**
 * The engine's events that the fault scenarios strike by (engineEvents.ts), sent over gRPC as the
 * CLI sends them with `--event-log tcp://…`: when a Kubernetes create counts as under way, that a
 * moment between two events is caught, and a wait whose moment never comes failing with the
 * progress seen and no step's outputs.
 */
import * as grpc from "@grpc/grpc-js";
import { EventsClient } from "@pulumi/pulumi/proto/events_grpc_pb";
import { EventRequest } from "@pulumi/pulumi/proto/events_pb";
import { afterEach, describe, expect, it } from "vitest";
import { EngineEventStream, kubernetesCreateUnderWay } from "./engineEvents";

const NAMESPACE_URN =
  "urn:pulumi:local::k8s-flux::k8s-flux:applicationFlux:ApplicationFlux$kubernetes:core/v1:Namespace::app-orders-local-namespace";
const KEY_URN = "urn:pulumi:local::k8s-flux::tls:index:PrivateKey::orders-local-deploy-key-key";
const KEY_PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n";

const step = (op: string, urn: string, outputs: Record<string, string> = {}) => ({
  op,
  urn,
  type: urn.split("::")[2]?.split("$").at(-1),
  provider: "",
  new: { urn, outputs },
});

const never = new Promise<never>(() => undefined);

let stream: EngineEventStream | undefined;
let client: EventsClient | undefined;
let call: grpc.ClientWritableStream<EventRequest> | undefined;

afterEach(async () => {
  // Ended as a command that exits ends it, so that close() need not wait for it.
  call?.end();
  await stream?.close();
  client?.close();
  [stream, client, call] = [undefined, undefined, undefined];
});

/** Opens a stream, and a client that sends it events as the CLI does. */
async function openStream(): Promise<{
  events: EngineEventStream;
  send: (event: object) => void;
}> {
  const events = await EngineEventStream.open();
  stream = events;
  const address = events.pulumiArgs[1]?.replace("tcp://", "") ?? "";
  client = new EventsClient(address, grpc.credentials.createInsecure());
  const sending = client.streamEvents(() => undefined);
  call = sending;
  const send = (event: object): void => {
    const request = new EventRequest();
    request.setEvent(JSON.stringify(event));
    sending.write(request);
  };
  return { events, send };
}

describe("EngineEventStream", () => {
  it("sees a Kubernetes create under way from its begin until its outputs", async () => {
    const { events, send } = await openStream();
    send({ resourcePreEvent: { metadata: step("create", KEY_URN) } });
    send({ resOutputsEvent: { metadata: step("create", KEY_URN) } });
    send({ resourcePreEvent: { metadata: step("create", NAMESPACE_URN) } });

    const atBegin = await events.until(kubernetesCreateUnderWay, never);
    expect(atBegin?.begun.map((begun) => begun.urn)).toEqual([KEY_URN, NAMESPACE_URN]);
    expect(atBegin?.done.map((done) => done.urn)).toEqual([KEY_URN]);

    send({ resOutputsEvent: { metadata: step("create", NAMESPACE_URN) } });
    const atDone = await events.until((progress) => progress.done.length === 2, never);
    expect(atDone && kubernetesCreateUnderWay(atDone)).toBe(false);
  });

  it("catches a moment that lasts only from one event to the next", async () => {
    const { events, send } = await openStream();
    const waiting = events.until(kubernetesCreateUnderWay, never, 5_000);
    // Sent together, they arrive in one read: a poll between reads would never see the create
    // under way.
    send({ resourcePreEvent: { metadata: step("create", NAMESPACE_URN) } });
    send({ resOutputsEvent: { metadata: step("create", NAMESPACE_URN) } });
    const atBegin = await waiting;
    expect(atBegin?.begun.map((begun) => begun.urn)).toEqual([NAMESPACE_URN]);
    expect(atBegin?.done).toEqual([]);
  });

  it("fails a wait past its deadline with the counts and the last step, not the outputs", async () => {
    const { events, send } = await openStream();
    send({ resourcePreEvent: { metadata: step("create", NAMESPACE_URN) } });
    send({ resourcePreEvent: { metadata: step("create", KEY_URN) } });
    send({
      resOutputsEvent: { metadata: step("create", KEY_URN, { privateKeyOpenssh: KEY_PEM }) },
    });
    send({ diagnosticEvent: { severity: "error", message: "update failed\n" } });
    await events.until((progress) => progress.errors.length === 1, never);

    const started = Date.now();
    const failure = await events
      .until(() => false, never, 200)
      .then(
        () => new Error("the wait ended without its moment"),
        (error: unknown) => error as Error,
      );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(failure.message).toBe(
      "the awaited moment did not come within 0.2 s, and the command still ran; the engine " +
        "had reported 2 step(s) begun and 1 done (Kubernetes creates: 1 begun, 0 done), the " +
        `last done: create ${KEY_URN}; 1 error(s): "update failed"`,
    );
    expect(failure.message).not.toContain("PRIVATE KEY");
  });

  it("ends a wait without its moment once the command has ended", async () => {
    const { events } = await openStream();
    expect(await events.until(kubernetesCreateUnderWay, Promise.resolve(0))).toBeUndefined();
  });
});
