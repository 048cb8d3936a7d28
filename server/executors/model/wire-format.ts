/**
 * What a model step asks the model for and how it reads the reply back.
 *
 * - Plain text (output string, no allowUnsure): no response format; `result` is the whole text.
 * - JSON output: the schema goes out as a `json_schema` response format. OpenAI needs an object
 *   root, so a non-object schema (an array, a string ...) is wrapped as `{ value: <schema> }`.
 * - allowUnsure: the wire schema is
 *   `{ outcome: anyOf [ {status: "answer", value: <result schema or string>}, {status: "unsure", reason: string} ] }`.
 *   An explicit `status` discriminator (rather than "reason present or not") lets strict mode pin
 *   each branch exactly, and `anyOf` inside an object root is what strict mode supports.
 *
 * Problems are reported at the path inside the RESULT value (what the flow author's schema
 * describes, `/category`), and at the wire path for the corrective message to the model.
 */
import { checkAgainstSchema, type JsonSchema } from '../../../shared/json-schema.ts';
import { parseJsonText } from '../../../shared/json-text.ts';
import type { ModelConfig } from '../../../shared/kinds/model.ts';
import { isStrictCompatible } from '../../providers/strict-schema.ts';

export type ModelOutcome = { type: 'result'; value: unknown } | { type: 'unsure'; reason: string };

export type WireReading = { ok: true; outcome: ModelOutcome } | { ok: false; path: string; wirePath: string; message: string };

export interface WireFormat {
  /** undefined: a plain text reply. */
  responseSchema?: { name: string; schema: JsonSchema };
  /** Whether `responseSchema` can go out with `strict: true` (see strict-schema.ts). */
  strict: boolean;
  /** Added to the system message. */
  instruction?: string;
  read(text: string): WireReading;
}

export const UNSURE_STATUS = 'unsure';

export const UNSURE_INSTRUCTION = [
  'Reply with JSON only, in the response format given.',
  'If you can answer, set outcome.status to "answer" and put the answer in outcome.value.',
  'If you cannot answer reliably (the input is ambiguous, lacks what you need, or asks for something you cannot judge), do not guess:',
  'set outcome.status to "unsure" and give a one-sentence reason in outcome.reason.',
].join(' ');

const JSON_INSTRUCTION = 'Reply with JSON only, matching the response format given.';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkValue(schema: JsonSchema, value: unknown, wirePrefix: string): WireReading {
  const problem = checkAgainstSchema(schema, value)[0];
  if (problem) return { ok: false, path: problem.path || '/', wirePath: `${wirePrefix}${problem.path}` || '/', message: problem.message };
  return { ok: true, outcome: { type: 'result', value } };
}

function parse(text: string): { ok: true; value: unknown } | { ok: false; reading: WireReading } {
  const json = parseJsonText(text.trim());
  if (json.ok) return json;
  return { ok: false, reading: { ok: false, path: '/', wirePath: '/', message: json.message } };
}

function plainText(): WireFormat {
  return { strict: false, read: (text) => ({ ok: true, outcome: { type: 'result', value: text } }) };
}

function jsonValue(schema: JsonSchema): WireFormat {
  const objectRoot = schema.type === 'object';
  const wire: JsonSchema = objectRoot ? schema : { type: 'object', properties: { value: schema }, required: ['value'], additionalProperties: false };
  return {
    responseSchema: { name: 'result', schema: wire },
    strict: isStrictCompatible(wire),
    instruction: isStrictCompatible(wire) ? JSON_INSTRUCTION : `${JSON_INSTRUCTION} Its JSON Schema: ${JSON.stringify(wire)}`,
    read(text) {
      const parsed = parse(text);
      if (!parsed.ok) return parsed.reading;
      if (objectRoot) return checkValue(schema, parsed.value, '');
      if (!isObject(parsed.value) || !('value' in parsed.value)) return { ok: false, path: '/', wirePath: '/value', message: 'the reply has no "value"' };
      return checkValue(schema, parsed.value.value, '/value');
    },
  };
}

function unsureWire(valueSchema: JsonSchema): JsonSchema {
  return {
    type: 'object',
    properties: {
      outcome: {
        anyOf: [
          { type: 'object', properties: { status: { type: 'string', enum: ['answer'] }, value: valueSchema }, required: ['status', 'value'], additionalProperties: false },
          { type: 'object', properties: { status: { type: 'string', enum: [UNSURE_STATUS] }, reason: { type: 'string' } }, required: ['status', 'reason'], additionalProperties: false },
        ],
      },
    },
    required: ['outcome'],
    additionalProperties: false,
  };
}

function answerOrUnsure(resultSchema: JsonSchema | undefined): WireFormat {
  const wire = unsureWire(resultSchema ?? { type: 'string' });
  const strict = isStrictCompatible(wire);
  return {
    responseSchema: { name: 'result_or_unsure', schema: wire },
    strict,
    instruction: strict ? UNSURE_INSTRUCTION : `${UNSURE_INSTRUCTION} Its JSON Schema: ${JSON.stringify(wire)}`,
    read(text) {
      const parsed = parse(text);
      if (!parsed.ok) return parsed.reading;
      const outcome = isObject(parsed.value) ? parsed.value.outcome : undefined;
      if (!isObject(outcome)) return { ok: false, path: '/', wirePath: '/outcome', message: 'the reply has no "outcome" object' };
      if (outcome.status === UNSURE_STATUS) {
        if (typeof outcome.reason !== 'string') return { ok: false, path: '/', wirePath: '/outcome/reason', message: 'an unsure reply needs a "reason" string' };
        return { ok: true, outcome: { type: 'unsure', reason: outcome.reason } };
      }
      if (outcome.status !== 'answer') return { ok: false, path: '/', wirePath: '/outcome/status', message: 'status must be "answer" or "unsure"' };
      if (!('value' in outcome)) return { ok: false, path: '/', wirePath: '/outcome/value', message: 'an answer needs a "value"' };
      if (resultSchema) return checkValue(resultSchema, outcome.value, '/outcome/value');
      if (typeof outcome.value !== 'string') return { ok: false, path: '/', wirePath: '/outcome/value', message: 'the answer must be a string' };
      return { ok: true, outcome: { type: 'result', value: outcome.value } };
    },
  };
}

/** The wire format of a model step's config. */
export function wireFormatFor(config: Pick<ModelConfig, 'output' | 'allowUnsure'>): WireFormat {
  const schema = config.output?.type === 'json' ? config.output.schema : undefined;
  if (config.allowUnsure) return answerOrUnsure(schema);
  return schema ? jsonValue(schema) : plainText();
}
