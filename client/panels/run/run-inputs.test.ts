import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../../shared/flow.ts';
import { readInputs } from './run-inputs.ts';

const invoice = JSON.parse(readFileSync(new URL('../../../flows/invoice-approval.flow.json', import.meta.url), 'utf8')) as Flow;

describe('run inputs form', () => {
  it('parses JSON fields and checks them against their schema', () => {
    const good = readInputs(invoice, { invoice: '{"vendor":"Acme","amount":5000,"currency":"EUR"}' });
    expect(good.problems).toEqual({});
    expect(good.inputs).toEqual({ invoice: { vendor: 'Acme', amount: 5000, currency: 'EUR' } });
    expect(readInputs(invoice, { invoice: '{"vendor":' }).problems.invoice).toContain('not valid JSON');
    expect(readInputs(invoice, { invoice: '{"vendor":"Acme"}' }).problems.invoice).toContain('schema');
  });
});
