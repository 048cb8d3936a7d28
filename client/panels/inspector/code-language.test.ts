import { CompletionContext } from '@codemirror/autocomplete';
import { EditorState, type TransactionSpec } from '@codemirror/state';
import type { EditorView } from '@codemirror/view';
import { describe, expect, it } from 'vitest';
import { inputsCompletion, languageOf, syntaxProblems, templateCompletion } from './code-language.ts';

function state(text: string, language: 'typescript' | 'json' = 'typescript') {
  return EditorState.create({ doc: text, extensions: [languageOf(language)!] });
}

describe('syntaxProblems', () => {
  it('finds nothing in a well-formed TypeScript step', () => {
    expect(syntaxProblems(state('export default function (inputs: { value: string }) {\n  return { result: inputs.value };\n}\n'))).toEqual([]);
  });

  it('names the line of a syntax error', () => {
    const problems = syntaxProblems(state('export default function (inputs: { value: string }) {\n  const x = ;\n  return { result: inputs.value };\n}\n'));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.line).toBe(2);
    expect(problems[0]!.message).toMatch(/^Syntax error on line 2/);
  });

  it('checks JSON too', () => {
    expect(syntaxProblems(state('{"type": "object"}', 'json'))).toEqual([]);
    expect(syntaxProblems(state('{"type": \n  "object",, }', 'json'))[0]?.line).toBe(2);
  });
});

describe('inputsCompletion', () => {
  const source = inputsCompletion(() => [
    { name: 'invoice', type: 'json' },
    { name: 'limit', type: 'number' },
  ]);
  const complete = (text: string) => {
    const editor = state(text);
    return source(new CompletionContext(editor, text.length, false));
  };

  it('offers the step\'s input names and types after `inputs.`', () => {
    const result = complete('export default function (inputs) {\n  return inputs.');
    expect(result?.options.map((option) => [option.label, option.detail])).toEqual([
      ['invoice', 'json'],
      ['limit', 'number'],
    ]);
    expect(result?.from).toBe('export default function (inputs) {\n  return inputs.'.length);
  });

  it('keeps completing a name being typed, and stays out of the way elsewhere', () => {
    expect(complete('return inputs.inv')?.from).toBe('return inputs.'.length);
    expect(complete('return value')).toBeNull();
  });
});

describe('templateCompletion', () => {
  const source = templateCompletion(() => [
    { name: 'question', type: 'string' },
    { name: 'reason', type: 'string' },
  ]);
  const complete = (text: string) => source(new CompletionContext(EditorState.create({ doc: text }), text.length, false));

  it('offers the input names after `{{`, closing the placeholder', () => {
    const result = complete('Answer: {{');
    expect(result?.options.map((option) => option.label)).toEqual(['question', 'reason']);
    expect(result?.from).toBe('Answer: {{'.length);
    expect(result?.options[0]?.apply).toBe('question}}');
    expect(complete('Answer: {{ que')?.from).toBe('Answer: {{ '.length);
  });

  it('steps over a closing `}}` the editor already put after the cursor', () => {
    const doc = 'Answer: {{}}';
    let state = EditorState.create({ doc });
    const result = source(new CompletionContext(state, 'Answer: {{'.length, false))!;
    // Only the view's dispatch is used; here it applies the transaction to the state.
    const view = { dispatch: (spec: TransactionSpec) => (state = state.update(spec).state) } as unknown as EditorView;
    const apply = result.options[0]!.apply as (view: EditorView, completion: unknown, from: number, to: number) => void;
    apply(view, result.options[0], result.from, result.from);
    expect(state.doc.toString()).toBe('Answer: {{question}}');
    expect(state.selection.main.head).toBe(doc.length + 'question'.length);
  });

  it('stays out of the way outside a placeholder', () => {
    expect(complete('Answer: {')).toBeNull();
    expect(complete('Answer: question')).toBeNull();
  });
});
