/**
 * `GET /metrics` in the Prometheus text format (prom-client), counted from the stored run events
 * the run manager publishes (so the numbers agree with the runs on disk): runs started and
 * finished by flow and status, step durations by kind, model tokens and cost by model (final
 * settlements only), budget refusals, approvals waiting, sandbox queue depth, WebSocket clients.
 * One registry per server, so servers in one process (tests) do not add up.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import type { RunManager } from '../run-manager.ts';

export interface RunMetricsSources {
  runs: RunManager;
  webSocketClients: () => number;
}

export class RunMetrics {
  readonly registry = new Registry();
  readonly #runs: RunManager;
  /** The flow of each run seen starting (or read back), to name a step's kind. */
  readonly #flows = new Map<string, Flow>();
  readonly #queued = new Set<string>();
  readonly #started: Counter<'flow'>;
  readonly #finished: Counter<'flow' | 'status'>;
  readonly #stepSeconds: Histogram<'kind' | 'status'>;
  readonly #tokens: Counter<'model' | 'direction'>;
  readonly #cost: Counter<'model'>;
  readonly #budgetRefusals: Counter<'flow'>;

  constructor(sources: RunMetricsSources) {
    this.#runs = sources.runs;
    const registers = [this.registry];
    this.#started = new Counter({ name: 'weft_runs_started_total', help: 'Runs started, by flow', labelNames: ['flow'], registers });
    this.#finished = new Counter({ name: 'weft_runs_finished_total', help: 'Runs ended, by flow and status', labelNames: ['flow', 'status'], registers });
    this.#stepSeconds = new Histogram({ name: 'weft_step_duration_seconds', help: 'Step attempts, by node kind and outcome', labelNames: ['kind', 'status'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300], registers });
    this.#tokens = new Counter({ name: 'weft_model_tokens_total', help: 'Model tokens, by model and direction (input, output)', labelNames: ['model', 'direction'], registers });
    this.#cost = new Counter({ name: 'weft_model_cost_usd_total', help: 'Model cost in US dollars, by model (priced models only)', labelNames: ['model'], registers });
    this.#budgetRefusals = new Counter({ name: 'weft_budget_refusals_total', help: 'Model steps not started because the run budget could not cover them', labelNames: ['flow'], registers });
    const runs = sources.runs;
    const queued = this.#queued;
    new Gauge({ name: 'weft_approvals_waiting', help: 'Steps waiting for a person', registers, collect() { this.set(runs.approvals().length); } });
    new Gauge({ name: 'weft_sandbox_queue_depth', help: 'Code steps waiting for a sandbox worker', registers, collect() { this.set(queued.size); } });
    new Gauge({ name: 'weft_websocket_clients', help: 'Open WebSocket connections', registers, collect() { this.set(sources.webSocketClients()); } });
    runs.onEvents((events) => void this.#count(events));
  }

  async #count(events: RunEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'run.started') {
        this.#flows.set(event.runId, event.flow);
        this.#started.inc({ flow: event.flowId });
        continue;
      }
      const flow = this.#flows.get(event.runId) ?? (await this.#flowOf(event.runId));
      const flowId = flow?.id ?? 'unknown';
      switch (event.type) {
        case 'run.succeeded':
        case 'run.failed':
        case 'run.cancelled':
          this.#finished.inc({ flow: flowId, status: event.type.slice('run.'.length) });
          this.#flows.delete(event.runId);
          for (const key of this.#queued) if (key.startsWith(`${event.runId}\n`)) this.#queued.delete(key);
          break;
        case 'step.succeeded':
        case 'step.failed': {
          this.#queued.delete(`${event.runId}\n${event.nodeId}`);
          const kind = flow?.nodes.find((node) => node.id === event.nodeId)?.kind ?? 'unknown';
          if (event.durationMs !== undefined) this.#stepSeconds.observe({ kind, status: event.type.slice('step.'.length) }, event.durationMs / 1000);
          if (event.type === 'step.failed' && event.error.code === 'budget') this.#budgetRefusals.inc({ flow: flowId });
          break;
        }
        case 'step.cost':
          if (!event.final) break;
          this.#tokens.inc({ model: event.model, direction: 'input' }, event.inputTokens);
          this.#tokens.inc({ model: event.model, direction: 'output' }, event.outputTokens);
          if (event.usd !== null) this.#cost.inc({ model: event.model }, event.usd);
          break;
        case 'step.queue':
          if (event.queued) this.#queued.add(`${event.runId}\n${event.nodeId}`);
          else this.#queued.delete(`${event.runId}\n${event.nodeId}`);
          break;
        default:
          break;
      }
    }
  }

  async #flowOf(runId: string): Promise<Flow | undefined> {
    const flow = (await this.#runs.state(runId))?.flow;
    if (flow) this.#flows.set(runId, flow);
    return flow;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
