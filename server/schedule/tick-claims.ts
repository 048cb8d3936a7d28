/**
 * Exactly one run per schedule tick: whoever creates the tick's claim file first (`open` with
 * `wx`, which fails when the file exists) starts the run; every other scheduler on the same data
 * directory skips it. The newest claims of a trigger also say when it last fired, for catch-up.
 * In database mode the claims are rows in PostgreSQL instead (tick-claims-postgres.ts), shared by
 * the schedulers of every server on the database.
 */
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Claims kept per trigger: enough that a scheduler a few ticks late cannot claim a tick again. */
export const KEPT_CLAIMS = 16;

/** A trigger: its flow, and its place in the flow's `settings.triggers` (from 1). */
export interface TriggerRef {
  flowId: string;
  trigger: number;
}

/** Who starts a tick's run: the one scheduler whose claim succeeds. */
export interface TickClaims {
  /** True when this call claimed the tick (and so must start its run). */
  claim(trigger: TriggerRef, tickMs: number): Promise<boolean>;
  /** When the trigger last fired (its newest claim), or undefined when it never did. */
  lastTick(trigger: TriggerRef): Promise<number | undefined>;
}

const fileKey = (trigger: TriggerRef): string => `${trigger.flowId}.${trigger.trigger}`;

export class FileTickClaims implements TickClaims {
  readonly #directory: string;

  constructor(dataDir: string) {
    this.#directory = join(dataDir, 'schedule-ticks');
  }

  async claim(trigger: TriggerRef, tickMs: number): Promise<boolean> {
    const triggerKey = fileKey(trigger);
    await mkdir(this.#directory, { recursive: true });
    try {
      const file = await open(join(this.#directory, `${triggerKey}@${tickMs}`), 'wx');
      await file.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    await this.#prune(triggerKey);
    return true;
  }

  async lastTick(trigger: TriggerRef): Promise<number | undefined> {
    const ticks = await this.#ticks(fileKey(trigger));
    return ticks.length > 0 ? Math.max(...ticks) : undefined;
  }

  async #ticks(triggerKey: string): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.#directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.filter((name) => name.startsWith(`${triggerKey}@`)).map((name) => Number(name.slice(triggerKey.length + 1))).filter(Number.isFinite);
  }

  async #prune(triggerKey: string): Promise<void> {
    const old = (await this.#ticks(triggerKey)).sort((a, b) => b - a).slice(KEPT_CLAIMS);
    await Promise.all(old.map((tick) => rm(join(this.#directory, `${triggerKey}@${tick}`), { force: true })));
  }
}
