import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openableFlow, openableFlowText } from './flow-loading.ts';

describe('opening flows', () => {
  it('opens an example flow', () => {
    const result = openableFlowText(readFileSync(new URL('../../flows/ticket-triage.flow.json', import.meta.url), 'utf8'));
    expect(result).toMatchObject({ ok: true, problemCount: 0, flow: { id: 'ticket-triage' } });
  });

  it('refuses bad JSON and bad structure with messages, and opens graph problems', () => {
    expect(openableFlowText('{"schemaVersion": 1,')).toMatchObject({ ok: false, problems: [expect.stringContaining('not valid JSON at line 1')] });
    expect(openableFlow({ schemaVersion: 9 })).toMatchObject({ ok: false, problems: [expect.stringContaining('newer than this Weft')] });
    expect(openableFlow({ schemaVersion: 1, id: 'Bad Id', name: 'x', nodes: [], edges: [] })).toMatchObject({ ok: false, problems: [expect.stringContaining('id')] });
    const unwired = { schemaVersion: 1, id: 'x', name: 'x', nodes: [{ id: 'm', kind: 'model', position: { x: 0, y: 0 }, config: { model: 'gpt-4o-mini', prompt: 'hi {{text}}', inputs: [{ name: 'text', type: 'string' }] } }], edges: [] };
    expect(openableFlow(unwired)).toMatchObject({ ok: true, problemCount: 1 });
  });
});
