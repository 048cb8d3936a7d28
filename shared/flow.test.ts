import { describe, expect, it } from 'vitest';
import { endpointSchema, flowSchema, formatEndpoint, migrateFlowDocument, parseEndpoint } from './flow.ts';
import { basicFlow } from './testing/flow-builder.ts';

describe('flow schema', () => {
  it('parses a built flow', () => {
    expect(flowSchema.safeParse(basicFlow().build()).success).toBe(true);
  });

  it.each(['classify.text', 'a.b', 'step-2._x9', 'n.Port_1'])('accepts the edge end %j', (end) => {
    expect(endpointSchema.safeParse(end).success).toBe(true);
  });

  it.each(['classify', '.text', 'classify.', 'Classify.text', 'a.b.c', 'a.1x', 'a b.c', 'a.port-name'])('refuses the edge end %j', (end) => {
    expect(endpointSchema.safeParse(end).success).toBe(false);
  });

  it('splits and joins edge ends at the dot', () => {
    expect(parseEndpoint('classify.text')).toEqual({ nodeId: 'classify', port: 'text' });
    expect(formatEndpoint('classify', 'text')).toBe('classify.text');
  });
});

describe('migrateFlowDocument', () => {
  it('passes a current document through unchanged', () => {
    const document = basicFlow().build();
    expect(migrateFlowDocument(document)).toEqual({ ok: true, document });
  });

  it('refuses a newer version with a message to upgrade', () => {
    const result = migrateFlowDocument({ ...basicFlow().build(), schemaVersion: 7 });
    expect(result).toEqual({ ok: false, message: 'this flow uses schemaVersion 7, newer than this Weft understands (1): upgrade Weft to open it' });
  });

  it.each([undefined, 0, -3, 0.5, '1', Number.NaN, Number.POSITIVE_INFINITY])('refuses the version %s', (schemaVersion) => {
    expect(migrateFlowDocument({ ...basicFlow().build(), schemaVersion })).toEqual({ ok: false, message: 'schemaVersion must be a whole number from 1 to 1' });
  });

  it.each([null, [], 'x', 3])('refuses %j as a document', (document) => {
    expect(migrateFlowDocument(document)).toEqual({ ok: false, message: 'a flow file must hold a JSON object' });
  });
});
