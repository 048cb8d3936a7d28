/**
 * Each run as an OpenTelemetry trace, built from the stored run events: a span for the run, a
 * child span per step attempt (model steps with the GenAI semantic conventions and Weft's
 * `weft.cost_usd`), and a span as long as each wait for a person. Loaded only when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set (see
 * `startRunTracing`); prompts and replies are added only with `WEFT_OTEL_CAPTURE_CONTENT=true`.
 * A run started with the caller's `traceparent` (in its origin) is a child of the caller's span.
 * A run resumed after a restart is traced on: its first new event makes the tracer read the log
 * and rebuild the spans still open (reopen-run.ts) with the ids they had (trace-ids.ts).
 */
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { eventsToReopen } from './reopen-run.ts';
import { ChosenIds, runSpanId, runTraceId, stepSpanId } from './trace-ids.ts';

export interface RunTracerOptions {
  tracer: Tracer;
  /** The id generator the tracer's provider was built with. */
  ids: ChosenIds;
  captureContent: boolean;
  /** A run's stored events, to rebuild the spans of a run resumed after a restart. */
  history?: (runId: string) => Promise<RunEvent[] | undefined>;
}

const propagator = new W3CTraceContextPropagator();

interface TracedRun {
  span: Span;
  flow: Flow;
  steps: Map<string, Span>;
  waits: Map<string, Span>;
  replies: Map<string, string>;
}

export class RunTracer {
  readonly #tracer: Tracer;
  readonly #ids: ChosenIds;
  readonly #captureContent: boolean;
  readonly #history: RunTracerOptions['history'];
  readonly #runs = new Map<string, TracedRun>();
  /** Runs whose logs are being read back: their new events wait here, in order. */
  readonly #reopening = new Map<string, RunEvent[]>();
  readonly #pending = new Set<Promise<void>>();

  constructor(options: RunTracerOptions) {
    this.#tracer = options.tracer;
    this.#ids = options.ids;
    this.#captureContent = options.captureContent;
    this.#history = options.history;
  }

  onEvents(events: RunEvent[]): void {
    for (const event of events) {
      const waiting = this.#reopening.get(event.runId);
      if (waiting) waiting.push(event);
      else if (event.type === 'run.started' || this.#runs.has(event.runId)) this.#onEvent(event);
      else if (this.#history) this.#reopen(event);
    }
  }

  /** Resolves once the logs of resumed runs being read back are replayed. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** A run this process did not start (resumed after a restart): rebuild its open spans from its log, then go on. */
  #reopen(first: RunEvent): void {
    const waiting = [first];
    this.#reopening.set(first.runId, waiting);
    const reading = this.#history!(first.runId)
      .then((history) => {
        for (const event of eventsToReopen((history ?? []).filter((event) => event.seq < first.seq))) this.#onEvent(event, true);
      })
      .catch(() => undefined) // untraced rather than failing the run: tracing only observes
      .finally(() => {
        this.#reopening.delete(first.runId);
        for (const event of waiting) this.#onEvent(event);
        this.#pending.delete(reading);
      });
    this.#pending.add(reading);
  }

  #onEvent(event: RunEvent, reopened = false): void {
    const at = new Date(event.at);
    if (event.type === 'run.started') {
      const callerSpan = event.origin?.traceparent ? trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { traceparent: event.origin.traceparent }, defaultTextMapGetter)) : undefined;
      const parent: Context = callerSpan ? trace.setSpanContext(ROOT_CONTEXT, callerSpan) : ROOT_CONTEXT;
      const attributes = { 'weft.flow.id': event.flowId, 'weft.run.id': event.runId, ...(event.origin ? { 'weft.run.origin': event.origin.type } : {}), ...(reopened ? { 'weft.run.resumed': true } : {}) };
      const span = this.#ids.withIds({ traceId: runTraceId(event.runId), spanId: runSpanId(event.runId) }, () => this.#tracer.startSpan(`run ${event.flowId}`, { startTime: at, attributes }, parent));
      this.#runs.set(event.runId, { span, flow: event.flow, steps: new Map(), waits: new Map(), replies: new Map() });
      return;
    }
    const run = this.#runs.get(event.runId);
    if (!run) return;
    switch (event.type) {
      case 'step.started': {
        run.steps.get(event.nodeId)?.end(at);
        const kind = run.flow.nodes.find((node) => node.id === event.nodeId)?.kind ?? 'unknown';
        const parent = trace.setSpan(context.active(), run.span);
        const attributes = { 'weft.flow.id': run.flow.id, 'weft.run.id': event.runId, 'weft.step.id': event.nodeId, 'weft.step.kind': kind, 'weft.step.attempt': event.attempt };
        const span = this.#ids.withIds({ spanId: stepSpanId(event.runId, event.seq) }, () => this.#tracer.startSpan(`step ${event.nodeId}`, { startTime: at, attributes }, parent));
        run.steps.set(event.nodeId, span);
        run.replies.delete(event.nodeId);
        break;
      }
      case 'step.prompt': {
        const span = run.steps.get(event.nodeId);
        span?.setAttributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': event.model, 'gen_ai.provider.name': event.simulated ? 'simulated' : 'openai' });
        if (this.#captureContent) span?.setAttribute('gen_ai.input.messages', JSON.stringify(event.messages));
        break;
      }
      case 'step.delta':
        if (this.#captureContent) run.replies.set(event.nodeId, (run.replies.get(event.nodeId) ?? '') + event.text);
        break;
      case 'step.cost':
        if (!event.final) break;
        run.steps.get(event.nodeId)?.setAttributes({ 'gen_ai.response.model': event.model, 'gen_ai.usage.input_tokens': event.inputTokens, 'gen_ai.usage.output_tokens': event.outputTokens, ...(event.usd !== null ? { 'weft.cost_usd': event.usd } : {}) });
        break;
      case 'step.waiting': {
        const step = run.steps.get(event.nodeId);
        const parent = trace.setSpan(context.active(), step ?? run.span);
        run.waits.set(event.nodeId, this.#tracer.startSpan(`wait ${event.nodeId}`, { startTime: at, attributes: { 'weft.run.id': event.runId, 'weft.step.id': event.nodeId } }, parent));
        break;
      }
      case 'step.decided':
        run.waits.get(event.nodeId)?.setAttribute('weft.decided_by', event.by);
        run.waits.get(event.nodeId)?.end(at);
        run.waits.delete(event.nodeId);
        break;
      case 'step.succeeded':
      case 'step.failed': {
        const span = run.steps.get(event.nodeId);
        if (!span) break;
        const reply = run.replies.get(event.nodeId);
        if (this.#captureContent && reply !== undefined) span.setAttribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', content: reply }]));
        span.setAttribute('weft.step.status', event.type === 'step.succeeded' ? 'succeeded' : 'failed');
        if (event.type === 'step.failed') span.setStatus({ code: SpanStatusCode.ERROR, message: event.error.message });
        span.end(at);
        run.steps.delete(event.nodeId);
        break;
      }
      case 'run.succeeded':
      case 'run.failed':
      case 'run.cancelled': {
        for (const open of [...run.waits.values(), ...run.steps.values()]) open.end(at);
        const status = event.type.slice('run.'.length);
        run.span.setAttributes({ 'weft.cost_usd': event.costUsd, 'weft.run.status': status });
        if (event.type !== 'run.succeeded') run.span.setStatus({ code: SpanStatusCode.ERROR, message: status });
        run.span.end(at);
        this.#runs.delete(event.runId);
        break;
      }
      default:
        break;
    }
  }
}
