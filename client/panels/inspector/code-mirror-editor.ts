/**
 * The CodeMirror 6 editor behind `code-editor.tsx`, in a module of its own so the designer loads
 * it (and CodeMirror) only when a code, prompt or schema field is first shown.
 */
import { autocompletion } from '@codemirror/autocomplete';
import { indentWithTab } from '@codemirror/commands';
import { LanguageSupport } from '@codemirror/language';
import { linter, lintGutter } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { Field } from '../../../shared/ports.ts';
import { inputsCompletion, languageOf, syntaxProblems, templateCompletion, type CodeLanguage, type SyntaxProblem } from './code-language.ts';

export interface CodeMirrorOptions {
  language: CodeLanguage;
  inputs: readonly Field[];
  onChange: (text: string) => void;
  onProblems: (problems: SyntaxProblem[]) => void;
  /** Wrap long lines (prompts) or scroll sideways (code). */
  wrap: boolean;
  label: string;
  /** A prompt template: `{{` completes the step's input names. */
  templates?: boolean;
}

export interface CodeMirrorHandle {
  setText(text: string): void;
  setInputs(inputs: readonly Field[]): void;
  /** Puts text in place of the selection (at the cursor) and focuses the editor. */
  insert(text: string): void;
  focus(): void;
  destroy(): void;
}

export function createCodeMirror(parent: HTMLElement, text: string, options: CodeMirrorOptions): CodeMirrorHandle {
  let inputs = options.inputs;
  let applying = false;
  const language = languageOf(options.language);
  const wrapping = new Compartment();
  const extensions = [
    basicSetup,
    keymap.of([indentWithTab]),
    wrapping.of(options.wrap ? EditorView.lineWrapping : []),
    EditorView.contentAttributes.of({ 'aria-label': options.label }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged && !applying) options.onChange(update.state.doc.toString());
    }),
  ];
  if (language) {
    extensions.push(
      new LanguageSupport(language, options.language === 'json' ? [] : [language.data.of({ autocomplete: inputsCompletion(() => inputs) })]),
      autocompletion(),
      lintGutter(),
      linter(
        (view) => {
          const problems = syntaxProblems(view.state);
          options.onProblems(problems);
          return problems.map((problem) => ({ from: problem.from, to: problem.to, severity: 'error' as const, message: problem.message }));
        },
        { delay: 300 },
      ),
    );
  }
  if (options.templates) extensions.push(autocompletion({ override: [templateCompletion(() => inputs)] }));
  const view = new EditorView({ parent, state: EditorState.create({ doc: text, extensions }) });
  return {
    setText(next) {
      const current = view.state.doc.toString();
      if (next === current) return;
      applying = true;
      view.dispatch({ changes: { from: 0, to: current.length, insert: next } });
      applying = false;
    },
    setInputs(next) {
      inputs = next;
    },
    insert(insertion) {
      const { from, to } = view.state.selection.main;
      view.dispatch({ changes: { from, to, insert: insertion }, selection: { anchor: from + insertion.length } });
      view.focus();
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
