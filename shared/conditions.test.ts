import { describe, expect, it } from 'vitest';
import { conditionSchema, conditionText, holds, valueAt, type Condition } from './conditions.ts';

const ticket = { priority: 'high', score: 0.82, tags: ['billing', 'refund'], customer: { name: 'Ada', plan: null }, lines: [{ sku: 'a1' }] };

function issues(condition: unknown): Array<{ path: string; message: string }> {
  const parsed = conditionSchema.safeParse(condition);
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('conditions: what holds', () => {
  it.each<[Condition, boolean]>([
    [{ path: 'priority', op: 'eq', value: 'high' }, true],
    [{ path: 'priority', op: 'eq', value: 'low' }, false],
    [{ path: 'priority', op: 'ne', value: 'low' }, true],
    [{ path: 'missing', op: 'ne', value: 'low' }, true],
    [{ path: 'missing', op: 'eq', value: null }, false],
    [{ path: 'customer', op: 'eq', value: { plan: null, name: 'Ada' } }, true],
    [{ path: 'priority', op: 'in', value: ['urgent', 'high'] }, true],
    [{ path: 'priority', op: 'in', value: ['urgent'] }, false],
    [{ path: 'score', op: 'gt', value: 0.8 }, true],
    [{ path: 'score', op: 'gte', value: 0.82 }, true],
    [{ path: 'score', op: 'lt', value: 0.82 }, false],
    [{ path: 'score', op: 'lte', value: 0.82 }, true],
    [{ path: 'priority', op: 'gt', value: 3 }, false],
    [{ path: 'priority', op: 'lt', value: 'low' }, true],
    [{ path: 'tags', op: 'contains', value: 'refund' }, true],
    [{ path: 'tags', op: 'contains', value: 'spam' }, false],
    [{ path: 'customer.name', op: 'contains', value: 'd' }, true],
    [{ path: 'customer.name', op: 'matches', value: '^A[a-z]+$' }, true],
    [{ path: 'score', op: 'matches', value: '8' }, false],
    [{ path: 'customer.name', op: 'exists' }, true],
    [{ path: 'customer.plan', op: 'exists' }, false],
    [{ path: 'lines.0.sku', op: 'eq', value: 'a1' }, true],
    [{ path: 'lines.1.sku', op: 'exists' }, false],
    [{ path: 'tags.length', op: 'exists' }, false],
    [{ path: 'constructor', op: 'exists' }, false],
    [{ all: [{ path: 'priority', op: 'eq', value: 'high' }, { path: 'score', op: 'gt', value: 0.9 }] }, false],
    [{ any: [{ path: 'priority', op: 'eq', value: 'low' }, { path: 'score', op: 'gt', value: 0.5 }] }, true],
    [{ not: { path: 'tags', op: 'contains', value: 'spam' } }, true],
  ])('%j is %s', (condition, expected) => {
    expect(issues(condition)).toEqual([]);
    expect(holds(condition, ticket)).toBe(expected);
  });

  it('looks at the value itself when there is no path', () => {
    expect(holds({ op: 'gt', value: 10 }, 11)).toBe(true);
    expect(valueAt('x', '')).toBe('x');
  });
});

describe('conditions: refused with the key that is wrong', () => {
  it.each<[unknown, string, RegExp]>([
    [{}, '', /has "op".*"all", "any" or "not"/],
    [{ op: 'eq', value: 1, all: [{ op: 'exists' }] }, '', /not "op" and "all"/],
    [{ path: 'a', op: 'in', value: 'x' }, 'value', /list of values/],
    [{ path: 'a', op: 'gt', value: true }, 'value', /number or a string/],
    [{ path: 'a', op: 'eq' }, 'value', /needs a value/],
    [{ path: 'a', op: 'exists', value: true }, 'value', /takes no value/],
    [{ path: 'a', op: 'matches', value: '(a)\\1' }, 'value', /cannot be used/],
    [{ path: 'a..b', op: 'exists' }, 'path', /empty segment/],
    [{ path: 'a', op: 'like', value: 1 }, 'op', /./],
    [{ all: [] }, 'all', /./],
    [{ any: [{ path: 'a', op: 'in', value: 1 }] }, 'any.0.value', /list of values/],
    [{ not: { path: 'a', op: 'exists' }, path: 'a' }, 'path', /belongs to a condition with "op"/],
    [{ path: 'a', op: 'exists', code: 'return true' }, '', /code/],
  ])('%j', (condition, path, message) => {
    const found = issues(condition);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.path).toBe(path);
    expect(found[0]!.message).toMatch(message);
  });
});

describe('conditions in words', () => {
  it('says each form as a person would read it', () => {
    expect(conditionText({ path: 'priority', op: 'eq', value: 'high' })).toBe('priority is "high"');
    expect(conditionText({ path: 'priority', op: 'in', value: ['high', 'urgent'] })).toBe('priority is one of "high", "urgent"');
    expect(conditionText({ op: 'gte', value: 3 })).toBe('value ≥ 3');
    expect(conditionText({ path: 'a', op: 'matches', value: '^x' })).toBe('a matches /^x/');
    expect(
      conditionText({ all: [{ path: 'a', op: 'exists' }, { any: [{ path: 'b', op: 'lt', value: 1 }, { not: { path: 'c', op: 'contains', value: 'x' } }] }] }),
    ).toBe('a exists and (b < 1 or not c contains "x")');
  });
});
