/**
 * Span ids derived from the run's log, so a run resumed in another process rebuilds its open spans
 * with the ids they had: steps exported before a restart keep pointing at the run span, and the
 * run's trace id (its own, when no caller's trace context came with it) stays the same.
 * The OpenTelemetry SDK asks its IdGenerator for ids while a span starts; `withIds` hands it the
 * chosen ones for exactly that call (startSpan is synchronous).
 */
import { createHash } from 'node:crypto';
import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';

const hex = (text: string, length: number): string => createHash('sha256').update(text).digest('hex').slice(0, length);

/** The trace id of a run started without a caller's trace context. */
export const runTraceId = (runId: string): string => hex(`weft trace ${runId}`, 32);
export const runSpanId = (runId: string): string => hex(`weft run ${runId}`, 16);
/** A step attempt's span, named by the seq of its `step.started` event (unique within the run's log). */
export const stepSpanId = (runId: string, startedSeq: number): string => hex(`weft step ${runId} ${startedSeq}`, 16);

export class ChosenIds implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  #next: { traceId?: string; spanId?: string } = {};

  /** Runs `start` (which starts one span) with these ids; a parent's trace id still wins over `traceId`. */
  withIds<T>(ids: { traceId?: string; spanId?: string }, start: () => T): T {
    this.#next = ids;
    try {
      return start();
    } finally {
      this.#next = {};
    }
  }

  generateTraceId(): string {
    return this.#next.traceId ?? this.#random.generateTraceId();
  }

  generateSpanId(): string {
    return this.#next.spanId ?? this.#random.generateSpanId();
  }
}
