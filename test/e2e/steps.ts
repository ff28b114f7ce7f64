/**
 * What the end-to-end files share: their control planes, and a teardown that leaves nothing
 * running whatever failed.
 */
import { afterAll } from "vitest";
import { type ControlPlane, startControlPlane } from "../../tools/control-plane/controlPlane";
import { stopLocalRunOrFail } from "../../tools/local/teardown";

/** The control planes a file starts, each stopped and checked gone at the end of the file. */
export class ControlPlanes {
  private current: ControlPlane | undefined;
  private readonly started: ControlPlane[] = [];

  /** The running control plane; an error when none runs. */
  get cluster(): ControlPlane {
    if (!this.current) throw new Error("no control plane runs");
    return this.current;
  }

  /** Starts an empty control plane in `dir`. */
  async start(dir: string): Promise<ControlPlane> {
    this.current = await startControlPlane({ dir });
    this.started.push(this.current);
    return this.current;
  }

  async stop(): Promise<void> {
    await this.current?.stop();
  }

  /**
   * Registers the file's teardown: a timed-out step may have left a pulumi command running, a
   * failed one the control plane. Both are stopped, then checked gone by pid and port.
   */
  stopAfterAll(): void {
    afterAll(() => stopLocalRunOrFail(this.started));
  }
}
