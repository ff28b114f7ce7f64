/**
 * What the end-to-end files share: their control planes, and a teardown that leaves nothing
 * running whatever failed.
 */
import { afterAll, expect } from "vitest";
import {
  type ControlPlane,
  runningControlPlane,
  startControlPlane,
} from "../../tools/control-plane/controlPlane";
import { isRunning } from "../../tools/control-plane/processes";
import { pulumiProcessesLeft, stopPulumiCommands } from "../../tools/local/pulumi";

/** The control planes a file starts, each recorded by pid, and stopped at the end of the file. */
export class ControlPlanes {
  private current: ControlPlane | undefined;
  private readonly pids: number[] = [];

  /** The running control plane; an error when none runs. */
  get cluster(): ControlPlane {
    if (!this.current) throw new Error("no control plane runs");
    return this.current;
  }

  /** Starts an empty control plane in `dir`, recording its processes. */
  async start(dir: string): Promise<ControlPlane> {
    this.current = await startControlPlane({ dir });
    this.pids.push(...(runningControlPlane(dir)?.processes ?? []).map((process) => process.pid));
    return this.current;
  }

  async stop(): Promise<void> {
    await this.current?.stop();
  }

  /**
   * Registers the file's teardown: a timed-out step may have left a pulumi command running, a
   * failed one the control plane. Both are stopped, then checked gone by pid.
   */
  stopAfterAll(): void {
    afterAll(async () => {
      try {
        await stopPulumiCommands();
      } finally {
        await this.stop();
      }
      expect(pulumiProcessesLeft(), "pulumi processes still running").toEqual([]);
      expect(this.pids.filter(isRunning), "control-plane processes still running").toEqual([]);
    });
  }
}
