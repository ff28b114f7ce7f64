/**
 * The engine's own account of a command as it runs, so that a fault strikes at a moment the
 * engine names (so many resource steps begun or done), not after a guessed sleep.
 *
 * `--event-log` takes a file or a `tcp://` address; the CLI accepts it only with
 * PULUMI_DEBUG_COMMANDS=true. The events are streamed to a gRPC server in this process, as the
 * Automation API does since CLI 3.206, rather than tailed from a file: the engine writes resource
 * outputs into its events as they are, private keys in plaintext included, and streamed they
 * never reach a disk. Nothing here prints an event.
 */
import * as grpc from "@grpc/grpc-js";
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import { EventsService } from "@pulumi/pulumi/proto/events_grpc_pb";
import type { EventRequest } from "@pulumi/pulumi/proto/events_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";

/** What the engine has reported so far. */
export interface Progress {
  /** Each step begun (resourcePreEvent), in order. */
  readonly begun: readonly StepEventMetadata[];
  /** Each step done (resOutputsEvent), in order. */
  readonly done: readonly StepEventMetadata[];
  /** The messages of error diagnostics. */
  readonly errors: readonly string[];
}

const POLL_MS = 10;
const STREAM_END_GRACE_MS = 5_000;
/**
 * How long `until` waits by default: below the faults stage's 300 s test timeout, so that a
 * moment that never comes fails with what the engine reported rather than as a bare timeout.
 */
const UNTIL_DEADLINE_MS = 240_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One command's events: open one, pass its arguments to pulumi, close it after. */
export class EngineEventStream {
  private readonly begun: StepEventMetadata[] = [];
  private readonly done: StepEventMetadata[] = [];
  private readonly errors: string[] = [];
  /** The conditions `until` is waiting on, asked after each event. */
  private readonly watchers = new Set<(progress: Progress) => void>();

  private readonly server = new grpc.Server();
  private port = 0;
  private openStreams = 0;

  private constructor() {
    this.server.addService(EventsService, { streamEvents: this.receive });
  }

  static async open(): Promise<EngineEventStream> {
    const stream = new EngineEventStream();
    stream.port = await new Promise<number>((resolve, reject) => {
      stream.server.bindAsync(
        "127.0.0.1:0",
        grpc.ServerCredentials.createInsecure(),
        (error, port) => (error ? reject(error) : resolve(port)),
      );
    });
    return stream;
  }

  /** pulumi's arguments and environment that send a command's events here. */
  get pulumiArgs(): string[] {
    return ["--event-log", `tcp://127.0.0.1:${this.port}`];
  }

  static readonly environment: Readonly<Record<string, string>> = {
    PULUMI_DEBUG_COMMANDS: "true",
  };

  get progress(): Progress {
    return { begun: [...this.begun], done: [...this.done], errors: [...this.errors] };
  }

  /**
   * Resolves with the progress once `reached` holds for it, or with undefined when `ended`
   * (the command's result) settles first. `reached` is asked as each event arrives, so a moment
   * that lasts only between two events (a create begun and done at once) is not missed. Fails,
   * with the progress seen, when neither happens within `deadlineMs`; the command is left
   * running for the caller's teardown to stop.
   */
  async until(
    reached: (progress: Progress) => boolean,
    ended: Promise<unknown>,
    deadlineMs = UNTIL_DEADLINE_MS,
  ): Promise<Progress | undefined> {
    if (reached(this.progress)) return this.progress;
    let watcher: ((progress: Progress) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<Progress | undefined>((resolve, reject) => {
        watcher = (progress) => {
          if (reached(progress)) resolve(progress);
        };
        this.watchers.add(watcher);
        void ended.then(
          () => resolve(undefined),
          () => resolve(undefined),
        );
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `the awaited moment did not come within ${deadlineMs / 1000} s, and the ` +
                  `command still ran; the engine had reported ${progressSeen(this.progress)}`,
              ),
            ),
          deadlineMs,
        );
      });
    } finally {
      if (watcher) this.watchers.delete(watcher);
      clearTimeout(timer);
    }
  }

  /**
   * Stops the server once every stream a command opened has ended: a command may exit before
   * its last events have been read here. A stream that never ends (a killed command whose end
   * never came) is given up after a few seconds.
   */
  async close(): Promise<void> {
    const deadline = Date.now() + STREAM_END_GRACE_MS;
    while (this.openStreams > 0 && Date.now() < deadline) await sleep(POLL_MS);
    this.server.forceShutdown();
  }

  private readonly receive = (
    call: grpc.ServerReadableStream<EventRequest, Empty>,
    callback: grpc.sendUnaryData<Empty>,
  ): void => {
    this.openStreams += 1;
    let open = true;
    const ended = (): void => {
      if (open) this.openStreams -= 1;
      open = false;
    };
    call.on("data", (request: EventRequest) => this.record(JSON.parse(request.getEvent())));
    call.on("end", () => {
      ended();
      callback(null, new Empty());
    });
    // A killed command drops its stream; what came before it stands.
    call.on("error", ended);
    call.on("cancelled", ended);
  };

  private record(event: EngineEvent): void {
    if (event.resourcePreEvent) this.begun.push(event.resourcePreEvent.metadata);
    if (event.resOutputsEvent) this.done.push(event.resOutputsEvent.metadata);
    if (event.diagnosticEvent?.severity === "error")
      this.errors.push(event.diagnosticEvent.message);
    if (this.watchers.size > 0) {
      const progress = this.progress;
      for (const watcher of this.watchers) watcher(progress);
    }
  }
}

/** Steps that create a Kubernetes object (not a provider, not a component). */
export const createsKubernetesObject = (step: StepEventMetadata): boolean =>
  step.op === "create" && step.type.startsWith("kubernetes:");

const kubernetesCreates = (steps: readonly StepEventMetadata[]): number =>
  steps.filter(createsKubernetesObject).length;

/**
 * Whether a Kubernetes create has begun and not finished, as far as the events have come: a
 * fault struck now meets an operation under way.
 */
export const kubernetesCreateUnderWay = (progress: Progress): boolean =>
  kubernetesCreates(progress.begun) > kubernetesCreates(progress.done);

/**
 * The progress in a few words, for a message: counts, the last step done, and the error
 * messages. Never a step's inputs or outputs, which can hold private keys.
 */
export function progressSeen(progress: Progress): string {
  const lastDone = progress.done.at(-1);
  const errors = progress.errors.map((message) => `"${message.trim()}"`);
  return (
    `${progress.begun.length} step(s) begun and ${progress.done.length} done ` +
    `(Kubernetes creates: ${kubernetesCreates(progress.begun)} begun, ` +
    `${kubernetesCreates(progress.done)} done), the last done: ` +
    `${lastDone ? `${lastDone.op} ${lastDone.urn}` : "none"}; ` +
    `${errors.length} error(s)${errors.length > 0 ? `: ${errors.join("; ")}` : ""}`
  );
}

/** Steps that change something: neither kept as it was, nor only read or refreshed. */
export const changesSomething = (step: StepEventMetadata): boolean =>
  !["same", "read", "refresh"].includes(step.op);
