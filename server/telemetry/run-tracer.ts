/**
 * Each run as an OpenTelemetry trace, built from the stored run events: a span for the run, a
 * child span per step attempt (model steps with the GenAI semantic conventions and Weft's
 * `weft.cost_usd`), and a span as long as each wait for a person. Loaded only when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set (see
 * `startRunTracing`); prompts and replies are added only with `WEFT_OTEL_CAPTURE_CONTENT=true`.
 * Runs resumed after a restart are not traced (their run span began in another process).
 */
import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';

interface TracedRun {
  span: Span;
  flow: Flow;
  steps: Map<string, Span>;
  waits: Map<string, Span>;
  replies: Map<string, string>;
}

export class RunTracer {
  readonly #tracer: Tracer;
  readonly #captureContent: boolean;
  readonly #runs = new Map<string, TracedRun>();

  constructor(tracer: Tracer, captureContent: boolean) {
    this.#tracer = tracer;
    this.#captureContent = captureContent;
  }

  onEvents(events: RunEvent[]): void {
    for (const event of events) this.#onEvent(event);
  }

  #onEvent(event: RunEvent): void {
    const at = new Date(event.at);
    if (event.type === 'run.started') {
      const span = this.#tracer.startSpan(`run ${event.flowId}`, { startTime: at, attributes: { 'weft.flow.id': event.flowId, 'weft.run.id': event.runId, ...(event.origin ? { 'weft.run.origin': event.origin.type } : {}) } });
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
        const span = this.#tracer.startSpan(`step ${event.nodeId}`, { startTime: at, attributes: { 'weft.flow.id': run.flow.id, 'weft.run.id': event.runId, 'weft.step.id': event.nodeId, 'weft.step.kind': kind, 'weft.step.attempt': event.attempt } }, parent);
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
