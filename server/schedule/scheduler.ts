/**
 * Starts runs of saved flows on their schedules (`settings.triggers`, shared/triggers.ts). It
 * rescans the saved flows every `rescanMs`, so a flow saved or deleted is picked up without a
 * restart; each tick is claimed first (tick-claims.ts) so it starts one run only. On start, a
 * trigger with `catchUp` whose last claimed tick is older than a missed tick runs once.
 * The claims are files in the data directory, or rows in PostgreSQL in database mode (`claims`).
 */
import type { Cron } from 'croner';
import type { Flow } from '../../shared/flow.ts';
import { scheduleJob, type ScheduleTrigger } from '../../shared/triggers.ts';
import type { RunManager } from '../run-manager.ts';
import type { FlowsRepository } from '../store/flows-repository.ts';
import { pinSavedCalls } from '../store/called-flows.ts';
import { FileTickClaims, type TickClaims, type TriggerRef } from './tick-claims.ts';

export interface SchedulerOptions {
  flows: FlowsRepository;
  runs: RunManager;
  dataDir: string;
  /** Where ticks are claimed (default: files in `dataDir`); shared by every server that must not run a tick twice. */
  claims?: TickClaims;
  log: (line: string) => void;
  /** How often saved flows are read again for changed triggers (default 10 s). */
  rescanMs?: number;
}

interface ScheduledJob {
  signature: string;
  job: Cron;
}

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #claims: TickClaims;
  readonly #jobs = new Map<string, ScheduledJob>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #scanning: Promise<void> | undefined;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#claims = options.claims ?? new FileTickClaims(options.dataDir);
  }

  async start(): Promise<void> {
    await this.rescan(true);
    this.#timer = setInterval(() => void this.rescan(false), this.#options.rescanMs ?? 10_000);
    this.#timer.unref();
  }

  /** Reads the saved flows and (re)arms their schedules; `starting` also runs missed ticks that catch up. */
  rescan(starting = false): Promise<void> {
    this.#scanning ??= this.#scan(starting).catch((error: unknown) => this.#options.log(`weft: schedules could not be read: ${error instanceof Error ? error.message : String(error)}`)).finally(() => (this.#scanning = undefined));
    return this.#scanning;
  }

  async #scan(starting: boolean): Promise<void> {
    const seen = new Set<string>();
    for (const entry of await this.#options.flows.list()) {
      if (!entry.valid) continue;
      const result = await this.#options.flows.get(entry.id);
      if (result.status !== 'ok') continue;
      const triggers = result.flow.settings?.triggers ?? [];
      for (const [index, trigger] of triggers.entries()) {
        const ref: TriggerRef = { flowId: result.flow.id, trigger: index + 1 };
        const key = `${ref.flowId}.${ref.trigger}`;
        seen.add(key);
        const signature = JSON.stringify(trigger);
        if (this.#jobs.get(key)?.signature === signature) continue;
        this.#jobs.get(key)?.job.stop();
        if (this.#closed) return;
        const job = scheduleJob(trigger);
        job.schedule(() => void this.#tick(ref, key, trigger, tickOf(job)));
        job.resume();
        this.#jobs.set(key, { signature, job });
        if (starting && trigger.catchUp) await this.#catchUp(ref, key, trigger, job);
      }
    }
    for (const [key, scheduled] of this.#jobs) {
      if (seen.has(key)) continue;
      scheduled.job.stop();
      this.#jobs.delete(key);
    }
  }

  async #catchUp(ref: TriggerRef, key: string, trigger: ScheduleTrigger, job: Cron): Promise<void> {
    const last = await this.#claims.lastTick(ref);
    if (last === undefined) return;
    const missed = job.nextRun(new Date(last));
    const now = Date.now();
    if (missed && missed.getTime() < now - 1000) await this.#tick(ref, key, trigger, missed.getTime());
  }

  async #tick(ref: TriggerRef, key: string, trigger: ScheduleTrigger, tickMs: number): Promise<void> {
    if (this.#closed) return;
    const { flowId } = ref;
    try {
      if (!(await this.#claims.claim(ref, tickMs))) return;
      const result = await this.#options.flows.get(flowId);
      if (result.status !== 'ok') throw new Error(`flow "${flowId}" cannot be run (${result.status})`);
      const flows = await pinSavedCalls(result.flow as Flow, this.#options.flows);
      await this.#options.runs.start(result.flow as Flow, trigger.inputs ?? {}, { flows, origin: { type: 'schedule', name: `${key} ${new Date(tickMs).toISOString()}` } });
    } catch (error) {
      this.#options.log(`weft: schedule ${key} did not start a run: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const scheduled of this.#jobs.values()) scheduled.job.stop();
    this.#jobs.clear();
  }
}

/** The tick being fired, to the second (croner fires at or just after it). */
function tickOf(job: Cron): number {
  let tick = Math.floor(Date.now() / 1000) * 1000;
  if (!job.match(new Date(tick))) tick -= 1000;
  return tick;
}
