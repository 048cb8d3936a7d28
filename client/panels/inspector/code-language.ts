/**
 * What the code editor knows about a step's code, without a DOM: syntax problems from the parser
 * CodeMirror highlights with (Lezer's JavaScript/TypeScript grammar marks what it cannot parse),
 * and completion of `inputs.<name>` from the step's input fields. The sandbox compiles with sucrase
 * (server/sandbox/transpile-source.ts); this check finds the same slips before a run does.
 */
import { CompletionContext, type Completion, type CompletionResult } from '@codemirror/autocomplete';
import { javascriptLanguage, typescriptLanguage } from '@codemirror/lang-javascript';
import { jsonLanguage } from '@codemirror/lang-json';
import { ensureSyntaxTree, type Language } from '@codemirror/language';
import type { EditorState } from '@codemirror/state';
import type { EditorView } from '@codemirror/view';
import type { Field } from '../../../shared/ports.ts';

export type CodeLanguage = 'typescript' | 'javascript' | 'json' | 'text';

export function languageOf(language: CodeLanguage): Language | undefined {
  if (language === 'typescript') return typescriptLanguage;
  if (language === 'javascript') return javascriptLanguage;
  if (language === 'json') return jsonLanguage;
  return undefined;
}

export interface SyntaxProblem {
  from: number;
  to: number;
  line: number;
  message: string;
}

/** Where the parser found text it cannot read; one problem per line (the first on it). */
export function syntaxProblems(state: EditorState): SyntaxProblem[] {
  const tree = ensureSyntaxTree(state, state.doc.length, 500);
  if (!tree) return [];
  const problems: SyntaxProblem[] = [];
  const lines = new Set<number>();
  tree.iterate({
    enter: (node) => {
      if (!node.type.isError) return;
      const line = state.doc.lineAt(node.from);
      if (lines.has(line.number)) return;
      lines.add(line.number);
      const near = state.doc.sliceString(node.from, Math.min(node.to + 1, line.to)).trim();
      const to = Math.max(node.to, Math.min(node.from + 1, state.doc.length));
      problems.push({ from: node.from, to, line: line.number, message: `Syntax error on line ${line.number}${near ? ` near "${near.slice(0, 20)}"` : ''}` });
    },
  });
  return problems;
}

/** Completes `inputs.` with the step's input names, each with its type. */
export function inputsCompletion(inputs: () => readonly Field[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const match = context.matchBefore(/\binputs\.[A-Za-z_$][\w$]*$|\binputs\.$/);
    if (!match) return null;
    const from = match.from + 'inputs.'.length;
    return {
      from,
      options: inputs().map((field) => ({ label: field.name, type: 'property', detail: field.type, info: field.description })),
      validFor: /^[\w$]*$/,
    };
  };
}

/** Inserts a name before the `}}` the editor already closed, leaving the cursor after it. */
function stepOverClosing(name: string) {
  return (view: EditorView, _completion: Completion, from: number, to: number) => {
    view.dispatch({ changes: { from, to, insert: name }, selection: { anchor: from + name.length + 2 } });
  };
}

/** Completes `{{` in a prompt template with the step's input names, closing the placeholder. */
export function templateCompletion(inputs: () => readonly Field[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const match = context.matchBefore(/\{\{\s*[A-Za-z_$]?[\w$]*$/);
    if (!match) return null;
    const typed = /^\{\{\s*/.exec(match.text)![0].length;
    const after = context.state.sliceDoc(context.pos, context.pos + 2);
    return {
      from: match.from + typed,
      options: inputs().map((field) => ({ label: field.name, type: 'variable', detail: field.type, info: field.description, apply: after === '}}' ? stepOverClosing(field.name) : `${field.name}}}` })),
      validFor: /^[\w$]*$/,
    };
  };
}
