/**
 * Exactly one run per schedule tick: whoever creates the tick's claim file first (`open` with
 * `wx`, which fails when the file exists) starts the run; every other scheduler on the same data
 * directory skips it. The newest claims of a trigger also say when it last fired, for catch-up.
 * File mode only: schedulers of several servers on one database do not share these claims yet.
 */
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Claims kept per trigger: enough that a scheduler a few ticks late cannot claim a tick again. */
const KEPT_CLAIMS = 16;

export class TickClaims {
  readonly #directory: string;

  constructor(dataDir: string) {
    this.#directory = join(dataDir, 'schedule-ticks');
  }

  /** True when this call claimed the tick (and so must start its run). */
  async claim(triggerKey: string, tickMs: number): Promise<boolean> {
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

  /** When the trigger last fired (its newest claim), or undefined when it never did. */
  async lastTick(triggerKey: string): Promise<number | undefined> {
    const ticks = await this.#ticks(triggerKey);
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
