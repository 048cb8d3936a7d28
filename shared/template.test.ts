import { describe, expect, it } from 'vitest';
import { renderTemplate, templateNames } from './template.ts';

describe('templateNames', () => {
  it('lists the placeholders in order, repeats included, spaces inside braces allowed', () => {
    expect(templateNames('Hello {{name}}, about {{ topic }}: {{name}}')).toEqual(['name', 'topic', 'name']);
  });

  it('finds nothing in plain text', () => {
    expect(templateNames('no placeholders { here } or {single}')).toEqual([]);
  });

  it('does not take expressions, paths or calls as names', () => {
    expect(templateNames('{{a.b}} {{a + b}} {{f()}} {{a[0]}} {{ 1x }} {{}}')).toEqual([]);
  });

  it('takes identifiers that happen to be JavaScript names as plain names', () => {
    expect(templateNames('{{constructor}} {{__proto__}} {{toString}}')).toEqual(['constructor', '__proto__', 'toString']);
  });
});

describe('renderTemplate', () => {
  it('puts strings in as they are', () => {
    expect(renderTemplate('Classify: {{text}}!', { text: 'my "order" is late' })).toBe('Classify: my "order" is late!');
  });

  it('writes other values as indented JSON', () => {
    expect(renderTemplate('{{n}} {{b}} {{nothing}}', { n: 42, b: false, nothing: null })).toBe('42 false null');
    expect(renderTemplate('Data: {{data}}', { data: { a: [1, 2] } })).toBe('Data: {\n  "a": [\n    1,\n    2\n  ]\n}');
  });

  it('writes a value that is not there as empty text', () => {
    expect(renderTemplate('[{{missing}}]', {})).toBe('[]');
    expect(renderTemplate('[{{gone}}]', { gone: undefined })).toBe('[]');
  });

  it('replaces every occurrence', () => {
    expect(renderTemplate('{{a}}-{{ a }}-{{a}}', { a: 'x' })).toBe('x-x-x');
  });

  it('does not expand placeholders that arrive inside values', () => {
    expect(renderTemplate('{{first}} {{second}}', { first: '{{second}}', second: 'two' })).toBe('{{second}} two');
  });

  it('does not treat $ patterns in values as replacement patterns', () => {
    expect(renderTemplate('{{v}}', { v: "$& $1 $` $'" })).toBe("$& $1 $` $'");
  });

  it('leaves expressions as text, evaluating nothing', () => {
    const values = { a: { b: 'secret' }, x: 1 };
    expect(renderTemplate('{{a.b}} {{x + 1}} {{globalThis}}', values)).toBe('{{a.b}} {{x + 1}} ');
  });

  it('looks up only the values given, not what objects inherit', () => {
    // {{constructor}} must not reach Object (rendered "undefined"), nor {{__proto__}} Object.prototype ("{}").
    expect(renderTemplate('[{{constructor}}][{{toString}}][{{__proto__}}][{{hasOwnProperty}}]', {})).toBe('[][][][]');
  });

  it('renders own values named like inherited ones', () => {
    expect(renderTemplate('{{constructor}}', { constructor: 'mine' })).toBe('mine');
  });
});
