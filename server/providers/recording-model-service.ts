/**
 * A ModelService wrapper that records model exchanges, or answers from them alone.
 *
 * Record: every request goes to the wrapped service; its streamed parts are kept under a hash of
 * what was sent (model, messages, output format, temperature), never the key or the provider's
 * address, so recordings can live in git beside the flow. Replay: requests are answered from the
 * recordings only, at no cost (the price is zero) and deterministically; a request that was not
 * recorded fails its step with code `not-recorded`, naming the model.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { StepFailure } from '../engine/executor.ts';
import type { ModelRequest, ModelService, ModelStreamPart, ResolvedModel } from '../engine/services.ts';

export const RECORDING_VERSION = 1;

const partSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text-delta'), text: z.string() }),
  z.object({ type: z.literal('usage'), inputTokens: z.number().int().min(0), cachedInputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0) }),
  z.object({ type: z.literal('finish'), reason: z.string() }),
]);

export const recordingSchema = z
  .object({ version: z.literal(RECORDING_VERSION), key: z.string().regex(/^[0-9a-f]{64}$/), model: z.string(), parts: z.array(partSchema) })
  .strict();
export type Recording = z.infer<typeof recordingSchema>;

/** What identifies a request: everything that shapes the reply, nothing that locates or authorises it. */
export function recordingKey(request: Pick<ModelRequest, 'model' | 'messages' | 'responseSchema' | 'temperature'>): string {
  const sent = {
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    responseSchema: request.responseSchema ?? null,
    temperature: request.temperature ?? null,
  };
  return createHash('sha256').update(JSON.stringify(sent)).digest('hex');
}

/** Parses a recordings file (one recording per line); problems name the line. */
export function parseRecordings(text: string): { recordings: Recording[]; problems: string[] } {
  const recordings: Recording[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`line ${index + 1}: not valid JSON`);
      return;
    }
    const parsed = recordingSchema.safeParse(value);
    if (parsed.success) recordings.push(parsed.data);
    else problems.push(`line ${index + 1}: ${parsed.error.issues[0]?.message ?? 'not a recording'}`);
  });
  return { recordings, problems };
}

export function recordingLine(recording: Recording): string {
  return JSON.stringify(recording);
}

type RecordedPart = Recording['parts'][number];

/** Consecutive text deltas as one: a recording keeps what was said, not how the network chunked it (nor where a reply was reused from). */
export function joinTextDeltas(parts: readonly ModelStreamPart[]): RecordedPart[] {
  const joined: RecordedPart[] = [];
  for (const part of parts) {
    if (part.type === 'reused') continue;
    const last = joined.at(-1);
    if (part.type === 'text-delta' && last?.type === 'text-delta') joined[joined.length - 1] = { type: 'text-delta', text: last.text + part.text };
    else joined.push(part);
  }
  return joined;
}

export type RecordingMode = 'record' | 'replay';

export interface RecordingModelService extends ModelService {
  /** Recordings made in this session (record mode), in the order the requests were sent, without repeats. */
  recorded(): Recording[];
}

const FREE = { inputPerMillion: 0, cachedInputPerMillion: 0, outputPerMillion: 0 };

export function createRecordingModelService(inner: ModelService, mode: RecordingMode, known: readonly Recording[] = []): RecordingModelService {
  const byKey = new Map(known.map((recording) => [recording.key, recording]));
  const made = new Map<string, Recording>();
  return {
    resolve(model: string): ResolvedModel {
      return mode === 'replay' ? { model, provider: 'recording', simulated: false, price: FREE } : inner.resolve(model);
    },
    countTokens: (model, text) => inner.countTokens(model, text),
    recorded: () => [...made.values()],
    async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
      const key = recordingKey(request);
      if (mode === 'replay') {
        const recording = byKey.get(key);
        if (!recording) throw new StepFailure('not-recorded', `no recording of this request to model "${request.model}" (replay answers only recorded requests; run the evaluation with --record)`);
        for (const part of recording.parts) yield part;
        return;
      }
      const parts: ModelStreamPart[] = [];
      for await (const part of inner.stream(request)) {
        parts.push(part);
        yield part;
      }
      made.set(key, { version: RECORDING_VERSION, key, model: request.model, parts: joinTextDeltas(parts) });
    },
  };
}
