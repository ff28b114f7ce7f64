/**
 * Ctrl-C (SIGINT) and SIGTERM during a run. The first asks every running update to cancel
 * through the Automation API's abort signal: the CLI gets one SIGINT, stops starting resource
 * operations, waits for those under way, saves the state and releases the stack's lock, as
 * after a Ctrl-C in a terminal. No further stack starts. The second stops at once: every
 * process the run started is killed, and the caller releases the stacks with the Automation
 * API's cancel (Stack.cancel, `pulumi cancel`).
 *
 * Stack.cancel is not the first step: on a file or cloud-storage backend it only deletes the
 * lock, while the CLI that held it carries on.
 */
export class Interruption {
  private readonly controller = new AbortController();
  private forcedStop = false;
  private readonly signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

  constructor(
    private readonly onCancel: () => void,
    private readonly onForce: () => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get requested(): boolean {
    return this.controller.signal.aborted;
  }

  get forced(): boolean {
    return this.forcedStop;
  }

  /** What a signal does; public so that tests can interrupt without sending one. */
  readonly interrupt = (): void => {
    if (!this.requested) {
      this.controller.abort();
      this.onCancel();
    } else if (!this.forcedStop) {
      this.forcedStop = true;
      this.onForce();
    }
  };

  listen(): void {
    for (const signal of this.signals) process.on(signal, this.interrupt);
  }

  stopListening(): void {
    for (const signal of this.signals) process.off(signal, this.interrupt);
  }
}
