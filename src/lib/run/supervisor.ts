import { errorMessage } from '../errors.js';
import { log } from '../log.js';
import type { StageSnapshot } from '../metrics/metrics.js';
import { restartBackoff, sleep } from '../wait.js';

/**
 * The supervisor of `cctv run`: every stage runs on its own until the signal aborts; a stage whose run ends or
 * throws before that is restarted alone, after the recorder's backoff (1 s doubling to `maxBackoffSeconds`, reset by
 * a minute of health: wait.ts restartBackoff). Each stage's state is visible (snapshot()) for
 * /readyz, /metrics and `cctv status`.
 */
export interface Stage {
  name: string;
  /** Runs until `signal` aborts (then resolves once its work is put away). Ending early or throwing is a failure. */
  run(signal: AbortSignal): Promise<void>;
  /**
   * What the stage knows better than the supervisor (a recorder restarts its own ffmpeg): merged into the snapshot,
   * restarts added to the supervisor's.
   */
  inner?(): Partial<Omit<SupervisedSnapshot, 'name'>>;
}

export type StageState = 'starting' | 'running' | 'restarting' | 'stopped';

interface Slot {
  stage: Stage;
  state: StageState;
  restarts: number;
  lastError: string | null;
  since: number;
}

export interface SupervisedSnapshot extends StageSnapshot {
  lastError: string | null;
  /** When the stage entered its state (ms). */
  since: number;
}

export class Supervisor {
  private readonly slots: Slot[];

  constructor(stages: Stage[], private readonly maxBackoffSeconds = 30) {
    this.slots = stages.map((stage) => ({ stage, state: 'starting', restarts: 0, lastError: null, since: Date.now() }));
  }

  snapshot(): SupervisedSnapshot[] {
    return this.slots.map((s) => {
      const inner = s.stage.inner?.() ?? {};
      return {
        name: s.stage.name,
        since: s.since,
        ...inner,
        lastError: inner.lastError ?? s.lastError,
        // The supervisor's state wins unless the stage runs (then its own view says more: a recorder waiting for its camera).
        state: s.state === 'running' && inner.state ? inner.state : s.state,
        restarts: s.restarts + (inner.restarts ?? 0),
      };
    });
  }

  /** Runs every stage until `signal` aborts and all of them have stopped. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.keep(slot, signal)));
  }

  private async keep(slot: Slot, signal: AbortSignal): Promise<void> {
    let failures = 0;
    const set = (state: StageState) => {
      slot.state = state;
      slot.since = Date.now();
    };
    while (!signal.aborted) {
      const started = Date.now();
      set('running');
      let why: string;
      try {
        await slot.stage.run(signal);
        why = 'ended by itself';
      } catch (err) {
        why = errorMessage(err);
      }
      if (signal.aborted) break;
      slot.lastError = why;
      slot.restarts++;
      const wait = restartBackoff(failures, Date.now() - started, this.maxBackoffSeconds);
      failures = wait.failures;
      set('restarting');
      log.warn({ stage: slot.stage.name, retryInSeconds: wait.seconds, err: why }, `stage ${slot.stage.name} stopped: restarting it`);
      await sleep(wait.seconds * 1000, signal);
    }
    set('stopped');
  }
}
