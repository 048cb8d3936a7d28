/**
 * Evaluations started from the designer: the CLI's evaluation (evaluate.ts) run in the
 * background, one at a time, its results kept in memory for polling. One at a time because every
 * live case costs money and shares the model slots with real runs; a second request while one runs
 * gets 409. The last few finished evaluations stay readable; older ones are forgotten.
 */
import { randomUUID } from 'node:crypto';
import type { EvaluationCase } from '../../shared/cases.ts';
import type { Flow } from '../../shared/flow.ts';
import type { EvaluationAnswer } from '../../shared/wire/evaluation.ts';
import type { EngineServices } from '../engine/index.ts';
import { conflict } from '../request-error.ts';
import { changedVerdicts, evaluateCases, summarise, type CaseResult } from './evaluate.ts';

/** Finished evaluations kept for reading. */
const KEPT = 10;

export interface EvaluationVariantPlan {
  label: string;
  settings: Record<string, unknown>;
  flow: Flow;
}

interface Job {
  answer: EvaluationAnswer;
  results: CaseResult[][];
}

export class EvaluationJobs {
  readonly #services: () => EngineServices;
  readonly #simulated: boolean;
  readonly #jobs = new Map<string, Job>();
  #running: Promise<void> | undefined;

  constructor(options: { services: () => EngineServices; simulated: boolean }) {
    this.#services = options.services;
    this.#simulated = options.simulated;
  }

  /** Starts an evaluation; 409 while another is running. */
  start(flowId: string, cases: readonly EvaluationCase[], variants: readonly EvaluationVariantPlan[]): string {
    if (this.#running) throw conflict('an evaluation is already running; wait for it to finish');
    const evaluationId = randomUUID();
    const job: Job = {
      answer: { evaluationId, flowId, status: 'running', caseCount: cases.length, variants: variants.map((variant) => ({ label: variant.label, settings: variant.settings, results: [], summary: summarise([]) })), changed: [], simulated: this.#simulated },
      results: variants.map(() => []),
    };
    this.#jobs.set(evaluationId, job);
    this.#forgetOld();
    this.#running = this.#run(job, cases, variants).finally(() => (this.#running = undefined));
    return evaluationId;
  }

  get(evaluationId: string): EvaluationAnswer | undefined {
    return this.#jobs.get(evaluationId)?.answer;
  }

  /** Resolves when the running evaluation (if any) has ended. */
  async idle(): Promise<void> {
    await this.#running;
  }

  async #run(job: Job, cases: readonly EvaluationCase[], variants: readonly EvaluationVariantPlan[]): Promise<void> {
    try {
      for (const [index, variant] of variants.entries()) {
        const results = job.results[index]!;
        const answer = job.answer.variants[index]!;
        await evaluateCases(variant.flow, cases, this.#services(), (result) => {
          results.push(result);
          answer.results = [...results];
          answer.summary = summarise(results);
        });
      }
      job.answer.changed = job.results.length === 2 ? changedVerdicts(job.results[0]!, job.results[1]!) : [];
      job.answer.status = 'finished';
    } catch (error) {
      job.answer.status = 'failed';
      job.answer.error = error instanceof Error ? error.message : String(error);
    }
  }

  #forgetOld(): void {
    const finished = [...this.#jobs.values()].filter((job) => job.answer.status !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEPT))) this.#jobs.delete(job.answer.evaluationId);
  }
}
