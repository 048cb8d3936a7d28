/**
 * Sets up trace export from the standard OpenTelemetry environment variables, or nothing at all:
 * without `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` no exporter module
 * is even imported. `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL` picks `http/protobuf` (the default) or
 * `http/json`; the exporters read `OTEL_EXPORTER_OTLP_HEADERS` themselves.
 */
import type { RunEvent } from '../../shared/events.ts';

export interface RunTracing {
  onEvents(events: RunEvent[]): void;
  /** Sends what is buffered and stops. */
  close(): Promise<void>;
}

export function tracesUrl(env: Record<string, string | undefined>): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/** `history`: a run's stored events, so runs resumed after a restart are traced on (see RunTracer). */
export async function startRunTracing(env: Record<string, string | undefined>, history?: (runId: string) => Promise<RunEvent[] | undefined>): Promise<RunTracing | undefined> {
  const url = tracesUrl(env);
  if (!url) return undefined;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use http/protobuf or http/json`);
  const [{ BasicTracerProvider, BatchSpanProcessor }, { resourceFromAttributes }, { RunTracer }, { ChosenIds }] = await Promise.all([import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/resources'), import('./run-tracer.ts'), import('./trace-ids.ts')]);
  const { OTLPTraceExporter } = protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
  const ids = new ChosenIds();
  const provider = new BasicTracerProvider({
    idGenerator: ids,
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'weft' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  const tracer = new RunTracer({ tracer: provider.getTracer('weft'), ids, captureContent: env.WEFT_OTEL_CAPTURE_CONTENT === 'true', ...(history ? { history } : {}) });
  return {
    onEvents: (events) => tracer.onEvents(events),
    close: async () => {
      await tracer.settled();
      await provider.shutdown();
    },
  };
}
