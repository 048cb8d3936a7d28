import { describe, expect, it } from 'vitest';
import { approvalKind } from './approval.ts';
import { codeKind } from './code.ts';
import { defineKind, type KindDefinition } from './define-kind.ts';
import { inputKind } from './input.ts';
import { modelKind, modelResultPort, type ModelConfig } from './model.ts';
import { outputKind } from './output.ts';
import { answerText, isKindName, KINDS, KindRegistry, registry, waitsForPerson, waitTitle } from './registry.ts';

const stub = (kind: string): KindDefinition =>
  defineKind({
    kind,
    title: kind,
    group: 'Logic',
    description: '',
    colour: '#000000',
    configSchema: approvalKind.configSchema,
    defaultConfig: () => ({ title: kind }),
    ports: () => ({ inputs: [], outputs: [] }),
    summary: () => [],
  }) as unknown as KindDefinition;

describe('the kind registry', () => {
  it('holds the built-in kinds in palette order', () => {
    expect(registry.list().map((kind) => kind.kind)).toEqual(['input', 'output', 'model', 'code', 'approval', 'switch', 'subflow', 'map']);
    expect(registry.get('model')).toBe(modelKind);
    expect(registry.get('webhook')).toBeUndefined();
    expect(isKindName('code')).toBe(true);
    expect(isKindName('webhook')).toBe(false);
  });

  it('throws on a kind registered twice, naming it', () => {
    const fresh = new KindRegistry([]);
    fresh.register(stub('thing'));
    expect(() => fresh.register(stub('thing'))).toThrow('node kind "thing" is registered twice');
    expect(() => new KindRegistry([stub('twice'), stub('twice')] as never)).toThrow(/"twice" is registered twice/);
    expect(() => registry.register(stub('model'))).toThrow(/"model"/);
    expect(registry.get('model')).toBe(modelKind);
  });

  it('gives no ports for an unknown kind', () => {
    expect(registry.portsOf('webhook', {})).toEqual({ inputs: [], outputs: [] });
  });

  it.each(KINDS.map((kind) => [kind.kind, kind] as const))('%s: its default config passes its own schema and gives unique ports', (_, kind) => {
    const config = (kind as KindDefinition).configSchema.parse(kind.defaultConfig());
    const ports = (kind as KindDefinition).ports(config);
    for (const side of [ports.inputs, ports.outputs]) expect(new Set(side.map((port) => port.name)).size).toBe(side.length);
    expect(kind.title).not.toBe('');
    expect(kind.colour).toMatch(/^#[0-9a-f]{6}$/i);
  });

  it.each(KINDS.map((kind) => [kind.kind, kind] as const))('%s: its config schema refuses an unknown key such as apiKey', (_, kind) => {
    const result = (kind as KindDefinition).configSchema.safeParse({ ...(kind.defaultConfig() as object), apiKey: 'sk-x' });
    expect(result.success).toBe(false);
  });
});

describe('ports derived from config', () => {
  it('input: one required output port per field, no inputs', () => {
    const ports = registry.portsOf('input', { fields: [{ name: 'text', type: 'string' }, { name: 'order', type: 'json', schema: { type: 'object' } }] });
    expect(ports).toEqual({
      inputs: [],
      outputs: [
        { name: 'text', type: 'string', required: true },
        { name: 'order', type: 'json', schema: { type: 'object' }, required: true },
      ],
    });
  });

  it('output: one required input port per field, no outputs', () => {
    expect(outputKind.ports({ fields: [{ name: 'answer', type: 'any', description: 'd' }] })).toEqual({
      inputs: [{ name: 'answer', type: 'any', required: true, description: 'd' }],
      outputs: [],
    });
    expect(outputKind.acceptsPartialInputs).toBe(true);
  });

  it('code: inputs and outputs from config', () => {
    const ports = codeKind.ports({ language: 'javascript', source: '', inputs: [{ name: 'a', type: 'number' }], outputs: [{ name: 'b', type: 'boolean' }, { name: 'c', type: 'json' }] });
    expect(ports.inputs.map((port) => [port.name, port.type])).toEqual([['a', 'number']]);
    expect(ports.outputs.map((port) => [port.name, port.type])).toEqual([['b', 'boolean'], ['c', 'json']]);
  });

  it('approval: payload in, approved and rejected out, whatever the config', () => {
    const ports = approvalKind.ports({ title: 'x' });
    expect(ports.inputs).toEqual([expect.objectContaining({ name: 'payload', type: 'any', required: true })]);
    expect(ports.outputs.map((port) => [port.name, port.type, port.required])).toEqual([['approved', 'any', false], ['rejected', 'string', false]]);
  });

  describe('model', () => {
    const base: ModelConfig = { model: 'gpt-4o-mini', prompt: '{{text}}', inputs: [{ name: 'text', type: 'string' }] };

    it('inputs from config; result is a string by default; no unsure port', () => {
      const ports = modelKind.ports(base);
      expect(ports.inputs).toEqual([{ name: 'text', type: 'string', required: true }]);
      expect(ports.outputs).toEqual([{ name: 'result', type: 'string', required: false }]);
    });

    it('adds a string unsure port only with allowUnsure', () => {
      expect(modelKind.ports({ ...base, allowUnsure: true }).outputs.map((port) => [port.name, port.type])).toEqual([['result', 'string'], ['unsure', 'string']]);
      expect(modelKind.ports({ ...base, allowUnsure: false }).outputs.map((port) => port.name)).toEqual(['result']);
    });

    it('types result json with the schema when the output is json', () => {
      const schema = { type: 'object', properties: { category: { type: 'string' } } };
      expect(modelResultPort({ ...base, output: { type: 'json', schema } })).toEqual({ name: 'result', type: 'json', schema, required: false });
      expect(modelKind.ports({ ...base, output: { type: 'string' } }).outputs[0]).toEqual({ name: 'result', type: 'string', required: false });
    });

    it('lists the prompt and, when set, the system message as templates', () => {
      expect(modelKind.templates!(base)).toEqual([{ key: 'prompt', text: '{{text}}' }]);
      expect(modelKind.templates!({ ...base, system: 'S' })).toEqual([{ key: 'prompt', text: '{{text}}' }, { key: 'system', text: 'S' }]);
    });

    it('refuses a json output without a schema, and an output type it does not know', () => {
      expect(modelKind.configSchema.safeParse({ ...base, output: { type: 'json' } }).success).toBe(false);
      expect(modelKind.configSchema.safeParse({ ...base, output: { type: 'number' } }).success).toBe(false);
    });
  });

  it('the input kind refuses fields that are not an array', () => {
    expect(inputKind.configSchema.safeParse({ fields: {} }).success).toBe(false);
  });
});

describe('summaries the canvas shows', () => {
  it('model: the model name and the start of the prompt, on one line', () => {
    expect(modelKind.summary({ model: 'gpt-4o-mini', prompt: 'Classify\n\nthis ticket: {{text}}', inputs: [] })).toEqual(['gpt-4o-mini', 'Classify this ticket: {{text}}']);
    expect(modelKind.summary({ model: 'm', prompt: 'x'.repeat(80), inputs: [] })[1]).toHaveLength(60);
  });

  it('code: the first line that is not blank, a comment or an import', () => {
    const source = "// shout\nimport x from 'y';\n\nexport default function (inputs) {\n  return {};\n}\n";
    expect(codeKind.summary({ language: 'javascript', source, inputs: [], outputs: [] })).toEqual(['export default function (inputs) {']);
    expect(codeKind.summary({ language: 'typescript', source: '\n// nothing\n', inputs: [], outputs: [] })).toEqual(['typescript']);
  });

  it('input, output and approval: their fields and their question', () => {
    expect(inputKind.summary({ fields: [{ name: 'text', type: 'string' }, { name: 'n', type: 'number' }] })).toEqual(['text, n']);
    expect(outputKind.summary({ fields: [] })).toEqual([]);
    expect(approvalKind.summary({ title: 'Pay it?', timeoutMs: 60_000, onTimeout: 'approve' })).toEqual(['Pay it?', 'approve after 60 s']);
  });
});

describe('waits', () => {
  it('only the approval kind waits, for a person; its deadline answers with onTimeout', () => {
    expect(KINDS.filter((kind) => (kind as KindDefinition).wait).map((kind) => kind.kind)).toEqual(['approval']);
    expect(waitsForPerson('approval')).toBe(true);
    expect(waitsForPerson('model')).toBe(false);
    const wait = registry.waitOf('approval')!;
    expect(wait.deadline!({ title: 't', payload: 1, allowEdit: false, deadline: '2030-01-01T00:00:00.000Z', onTimeout: 'approve' })).toEqual({
      at: '2030-01-01T00:00:00.000Z',
      answer: { decision: 'approve', comment: 'no decision by 2030-01-01T00:00:00.000Z' },
    });
    expect(wait.deadline!({ title: 't', payload: 1, allowEdit: false })).toBeUndefined();
  });

  it('reads a wait and its answer as one line each, whatever the kind', () => {
    expect(waitTitle('approval', { title: 'Pay it?', payload: 1, allowEdit: false })).toBe('Pay it?');
    expect(waitTitle('approval', { nonsense: true })).toBe('waiting');
    expect(answerText('approval', { decision: 'approve', payload: 2, comment: 'ok' }, 'ana')).toBe('approved by ana (payload edited): ok');
    expect(answerText('approval', { decision: 'reject' }, 'bo')).toBe('rejected by bo');
    expect(answerText('webhook', {}, 'x')).toBe('answered by x');
  });
});
