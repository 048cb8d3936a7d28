import { describe, expect, it } from 'vitest';
import { canonicalFlow, FLOW_SCHEMA_REFERENCE, flowHash, serializeFlow, sortEdges } from './canonical.ts';
import type { Flow } from './flow.ts';
import { basicFlow, flow } from './testing/flow-builder.ts';
import { validateFlowText } from './validate.ts';

/**
 * Reverses the key order of every object, deeply (arrays keep their order), except inside JSON
 * Schemas: those are the author's free JSON, which the canonical form keeps as written.
 */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, key === 'schema' ? item : reverseKeys(item)]));
}

/** Line numbers (1-based) where two texts of the same line count differ. */
function changedLines(before: string, after: string): number[] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return a.flatMap((line, index) => (line === b[index] ? [] : [index + 1]));
}

function richFlow(): Flow {
  return flow('rich', 'Rich flow')
    .with({ description: 'All the parts', settings: { budgetUsd: 0.25 } })
    .input('ticket', { text: { type: 'string', description: 'The message' } })
    .model('classify', {
      system: 'You triage.',
      prompt: 'Classify {{text}}',
      output: { type: 'json', schema: { type: 'object', properties: { category: { type: 'string' } }, required: ['category'] } },
      allowUnsure: true,
      temperature: 0,
      maxTokens: 300,
    })
    .approval('review', { instructions: 'Look', allowEdit: true })
    .output('result', { classification: 'json', reviewed: 'any' })
    .wire('ticket.text', 'classify.text')
    .wire('classify.unsure', 'review.payload')
    .wire('classify.result', 'result.classification')
    .wire('review.approved', 'result.reviewed')
    .build();
}

describe('serializeFlow', () => {
  it('writes the fixed top-level key order, whatever order the keys came in', () => {
    const text = serializeFlow(reverseKeys(richFlow()) as Flow);
    const keys = [...text.matchAll(/^ {2}"([^"]+)":/gm)].map((match) => match[1]);
    expect(keys).toEqual(['$schema', 'schemaVersion', 'id', 'name', 'description', 'settings', 'nodes', 'edges']);
  });

  it('gives the same bytes for any key order, node order and edge order', () => {
    const original = richFlow();
    const shuffled = reverseKeys(original) as Flow;
    shuffled.nodes.reverse();
    shuffled.edges.reverse();
    expect(serializeFlow(shuffled)).toBe(serializeFlow(original));
  });

  it('writes node keys as id, kind, label, position, config and config keys in schema order', () => {
    const document = richFlow();
    document.nodes[1]!.label = 'Classify';
    const text = serializeFlow(reverseKeys(document) as Flow);
    const node = JSON.parse(text).nodes.find((item: { id: string }) => item.id === 'classify');
    expect(Object.keys(node)).toEqual(['id', 'kind', 'label', 'position', 'config']);
    expect(Object.keys(node.config)).toEqual(['model', 'system', 'prompt', 'inputs', 'output', 'allowUnsure', 'temperature', 'maxTokens']);
    expect(Object.keys(node.config.output)).toEqual(['type', 'schema']);
    const ticket = JSON.parse(text).nodes.find((item: { id: string }) => item.id === 'ticket');
    expect(Object.keys(ticket.config.fields[0])).toEqual(['name', 'type', 'description']);
  });

  it('keeps the key order inside a JSON Schema as the author wrote it', () => {
    const document = richFlow();
    const output = document.nodes[1]!.config.output as { schema: Record<string, unknown> };
    output.schema = { required: ['category'], type: 'object', properties: { category: { type: 'string' } } };
    const text = serializeFlow(document);
    const schema = JSON.parse(text).nodes.find((item: { id: string }) => item.id === 'classify').config.output.schema;
    expect(Object.keys(schema)).toEqual(['required', 'type', 'properties']);
    expect(serializeFlow(JSON.parse(text) as Flow)).toBe(text);
  });

  it('sorts nodes by id and edges by from, then to', () => {
    const parsed = JSON.parse(serializeFlow(richFlow())) as Flow;
    expect(parsed.nodes.map((node) => node.id)).toEqual(['classify', 'result', 'review', 'ticket']);
    expect(parsed.edges).toEqual([
      { from: 'classify.result', to: 'result.classification' },
      { from: 'classify.unsure', to: 'review.payload' },
      { from: 'review.approved', to: 'result.reviewed' },
      { from: 'ticket.text', to: 'classify.text' },
    ]);
  });

  it('sorts edges with the same from by to', () => {
    expect(sortEdges([{ from: 'a.x', to: 'c.y' }, { from: 'a.x', to: 'b.y' }, { from: 'a.w', to: 'z.z' }])).toEqual([
      { from: 'a.w', to: 'z.z' },
      { from: 'a.x', to: 'b.y' },
      { from: 'a.x', to: 'c.y' },
    ]);
  });

  it('rounds positions to whole numbers', () => {
    const document = basicFlow().build();
    document.nodes[0]!.position = { x: 10.4, y: -20.6 };
    document.nodes[1]!.position = { x: 299.5, y: 0.49 };
    const parsed = JSON.parse(serializeFlow(document)) as Flow;
    const positions = Object.fromEntries(parsed.nodes.map((node) => [node.id, node.position]));
    expect(positions).toEqual({ ticket: { x: 10, y: -21 }, classify: { x: 300, y: 0 }, result: { x: 600, y: 0 } });
    expect(serializeFlow(document)).not.toMatch(/\d\.\d/);
  });

  it('does not write -0 for a position rounded to zero', () => {
    const document = basicFlow().build();
    document.nodes[0]!.position = { x: -0.2, y: -0 };
    expect(serializeFlow(document)).toContain('"position": { "x": 0, "y": 0 }');
  });

  it('indents with two spaces, writes one edge per line and ends with one newline', () => {
    const text = serializeFlow(richFlow());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
    expect(text).not.toContain('\t');
    for (const line of text.split('\n')) expect(line.match(/^ */)![0].length % 2).toBe(0);
    expect(text).toContain('\n  "schemaVersion": 1,\n');
    expect(text).toContain('\n    { "from": "classify.result", "to": "result.classification" },\n    { "from": "classify.unsure", "to": "review.payload" },\n');
    const edgeLines = text.split('\n').filter((line) => line.includes('"from":'));
    expect(edgeLines).toHaveLength(4);
    for (const line of edgeLines) expect(line).toMatch(/^ {4}\{ "from": "[^"]+", "to": "[^"]+" \},?$/);
  });

  it('writes each position on one line', () => {
    const positionLines = serializeFlow(richFlow()).split('\n').filter((line) => line.includes('"position"'));
    expect(positionLines).toHaveLength(4);
    for (const line of positionLines) expect(line).toMatch(/^ {6}"position": \{ "x": -?\d+, "y": -?\d+ \},$/);
  });

  it('writes empty nodes and edges as []', () => {
    const text = serializeFlow(flow().build());
    expect(text).toContain('"nodes": [],\n  "edges": []\n}');
  });

  it('adds the $schema reference when missing and keeps one that is set', () => {
    expect(JSON.parse(serializeFlow(basicFlow().build())).$schema).toBe(FLOW_SCHEMA_REFERENCE);
    expect(FLOW_SCHEMA_REFERENCE).toBe('./flow.schema.json');
    expect(JSON.parse(serializeFlow(basicFlow().with({ $schema: '../other.json' }).build())).$schema).toBe('../other.json');
  });

  it('leaves out optional keys that are not set, and writes nothing volatile', () => {
    const text = serializeFlow(basicFlow().build());
    expect(text).not.toContain('"description"');
    expect(text).not.toContain('"settings"');
    expect(text).not.toContain('"label"');
    expect(text).not.toContain('undefined');
  });

  it('round-trips byte for byte: serialise, parse, serialise', () => {
    const once = serializeFlow(richFlow());
    const result = validateFlowText(once);
    expect(result.problems).toEqual([]);
    expect(serializeFlow(result.flow!)).toBe(once);
    expect(serializeFlow(JSON.parse(once) as Flow)).toBe(once);
  });

  it('keeps the value: the canonical text parses back to the same flow (apart from ordering and $schema)', () => {
    const original = richFlow();
    const parsed = JSON.parse(serializeFlow(original)) as Flow;
    expect(parsed).toEqual(canonicalFlow(original));
    expect({ ...parsed, $schema: undefined, nodes: [...parsed.nodes].sort((a, b) => a.id.localeCompare(b.id)) }).toEqual({
      ...original,
      $schema: undefined,
      nodes: [...original.nodes].sort((a, b) => a.id.localeCompare(b.id)),
      edges: sortEdges(original.edges),
    });
  });

  it('changes only the moved node\'s position line when one node moves', () => {
    const before = richFlow();
    const after = structuredClone(before);
    after.nodes.find((node) => node.id === 'review')!.position = { x: 777, y: -42 };
    const beforeText = serializeFlow(before);
    const afterText = serializeFlow(after);
    const changed = changedLines(beforeText, afterText);
    expect(changed).toHaveLength(1);
    const line = afterText.split('\n')[changed[0]! - 1]!;
    expect(line).toBe('      "position": { "x": 777, "y": -42 },');
    const reviewStart = afterText.split('\n').findIndex((text) => text.includes('"id": "review"')) + 1;
    expect(changed[0]).toBe(reviewStart + 2);
  });

  it('changes nothing when a node moves by less than half a unit', () => {
    const before = richFlow();
    const after = structuredClone(before);
    after.nodes[0]!.position.x += 0.3;
    expect(serializeFlow(after)).toBe(serializeFlow(before));
  });
});

describe('flowHash', () => {
  it('is stable across calls and key, node and edge order', () => {
    const original = richFlow();
    const shuffled = reverseKeys(original) as Flow;
    shuffled.nodes.reverse();
    shuffled.edges.reverse();
    expect(flowHash(original)).toMatch(/^[0-9a-f]{16}$/);
    expect(flowHash(original)).toBe(flowHash(original));
    expect(flowHash(shuffled)).toBe(flowHash(original));
  });

  it('changes with the content', () => {
    const original = richFlow();
    const hashes = new Set([flowHash(original)]);
    const renamed = structuredClone(original);
    renamed.name = 'Rich flow 2';
    hashes.add(flowHash(renamed));
    const moved = structuredClone(original);
    moved.nodes[0]!.position.x += 1;
    hashes.add(flowHash(moved));
    const prompt = structuredClone(original);
    prompt.nodes[1]!.config.prompt = 'Classify: {{text}}';
    hashes.add(flowHash(prompt));
    const rewired = structuredClone(original);
    rewired.edges.pop();
    hashes.add(flowHash(rewired));
    expect(hashes.size).toBe(5);
  });
});
