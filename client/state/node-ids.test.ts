import { describe, expect, it } from 'vitest';
import { isValidId } from '../../shared/ids.ts';
import { freeId, idStem, nextId, slugify } from './node-ids.ts';

describe('node ids', () => {
  it('numbers ids per stem, skipping taken ones', () => {
    expect(nextId('model', [])).toBe('model-1');
    expect(nextId('model', ['model-1', 'model-3'])).toBe('model-2');
  });

  it('turns any text into a valid id', () => {
    for (const text of ['Support Ticket Triage!', '123 go', '', 'Ünïcödé name', 'a'.repeat(200), '--x--']) {
      expect(isValidId(slugify(text))).toBe(true);
      expect(isValidId(nextId(text, []))).toBe(true);
    }
    expect(slugify('Support Ticket Triage!')).toBe('support-ticket-triage');
  });

  it('finds the stem of a numbered id and a free flow id', () => {
    expect(idStem('model-12')).toBe('model');
    expect(idStem('classify')).toBe('classify');
    expect(freeId('untitled', ['other'])).toBe('untitled');
    expect(freeId('untitled', ['untitled', 'untitled-1'])).toBe('untitled-2');
  });
});
