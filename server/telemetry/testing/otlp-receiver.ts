/**
 * A local OTLP/HTTP trace receiver for tests: an HTTP server that decodes what an exporter posts to
 * `/v1/traces`, as `http/json` (JSON) or `http/protobuf` (decoded with the OTLP protobuf types that
 * `@opentelemetry/otlp-transformer` ships), into one span shape: ids in hex, attributes as OTLP/JSON.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
}

export interface OtlpReceiver {
  endpoint: string;
  spans: OtlpSpan[];
  /** The content type of every request received. */
  contentTypes: string[];
  close(): Promise<void>;
}

interface ProtobufType {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): any;
}

/** The generated OTLP messages (a CommonJS module without an `exports` map, so loaded by path). */
function exportTraceServiceRequest(): ProtobufType {
  const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js');
  return root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest as ProtobufType;
}

const hexOf = (base64: string | undefined): string | undefined => (base64 ? Buffer.from(base64, 'base64').toString('hex') : undefined);

function decodeProtobuf(body: Buffer): OtlpSpan[] {
  const type = exportTraceServiceRequest();
  const request = type.toObject(type.decode(body), { longs: String, bytes: String, arrays: true });
  const spans: OtlpSpan[] = [];
  for (const resource of request.resourceSpans) {
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const parent = hexOf(span.parentSpanId);
        spans.push({ ...span, traceId: hexOf(span.traceId)!, spanId: hexOf(span.spanId)!, ...(parent ? { parentSpanId: parent } : { parentSpanId: undefined }), attributes: span.attributes ?? [] });
      }
    }
  }
  return spans;
}

function decodeJson(body: Buffer): OtlpSpan[] {
  const request = JSON.parse(body.toString('utf8'));
  const spans: OtlpSpan[] = [];
  for (const resource of request.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans.map((span: OtlpSpan) => ({ ...span, parentSpanId: span.parentSpanId || undefined })));
  return spans;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const type = request.headers['content-type'] ?? '';
      contentTypes.push(type);
      if (request.url !== '/v1/traces') return void response.writeHead(404).end();
      const body = Buffer.concat(chunks);
      if (type.startsWith('application/x-protobuf')) {
        spans.push(...decodeProtobuf(body));
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } else if (type.startsWith('application/json')) {
        spans.push(...decodeJson(body));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        response.writeHead(415).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An attribute's value as a plain number, string or boolean. */
export function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  return value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue;
}
