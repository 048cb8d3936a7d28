/**
 * The open flow's evaluation cases and its last evaluation: cases as the server read them from
 * `<id>.cases.jsonl`, edits saved back whole, an estimate before running, and the running
 * evaluation polled until it ends (the server runs it in the background, server/evaluation/).
 */
import { create } from 'zustand';
import type { CaseExpectation, EvaluationCase } from '../../shared/cases.ts';
import type { RunState } from '../../shared/run-state.ts';
import type { EvaluationAnswer, EvaluationBody, EvaluationEstimateAnswer } from '../../shared/wire/evaluation.ts';
import { api } from '../api/api-client.ts';
import { ApiError, errorWithIssues } from '../api/http.ts';
import { errorText } from './ui-store.ts';

const POLL_MS = 400;

interface EvaluationStore {
  flowId: string | null;
  cases: EvaluationCase[];
  file: string;
  /** Problems of the file on disk, or why it could not be read or saved. */
  problems: string[];
  error: string | undefined;
  estimate: EvaluationEstimateAnswer | undefined;
  evaluation: EvaluationAnswer | undefined;
  load(flowId: string): Promise<void>;
  save(cases: EvaluationCase[]): Promise<boolean>;
  estimateRun(body: EvaluationBody): Promise<void>;
  run(body: EvaluationBody): Promise<void>;
  clearEstimate(): void;
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? errorWithIssues(error, 5) : errorText(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const useEvaluation = create<EvaluationStore>()((set, get) => ({
  flowId: null,
  cases: [],
  file: '',
  problems: [],
  error: undefined,
  estimate: undefined,
  evaluation: undefined,
  async load(flowId) {
    if (get().flowId !== flowId) set({ flowId, cases: [], problems: [], error: undefined, estimate: undefined, evaluation: undefined });
    try {
      const answer = await api.listCases(flowId);
      set({ cases: answer.cases, file: answer.file, problems: answer.problems.map((problem) => `line ${problem.line}: ${problem.message}`), error: undefined });
    } catch (error) {
      set({ cases: [], error: error instanceof ApiError && error.status === 404 ? 'Save the flow first: its cases are kept beside it.' : messageOf(error) });
    }
  },
  async save(cases) {
    const flowId = get().flowId;
    if (!flowId) return false;
    try {
      const answer = await api.saveCases(flowId, cases);
      set({ cases: answer.cases, file: answer.file, problems: [], error: undefined });
      return true;
    } catch (error) {
      set({ error: messageOf(error) });
      return false;
    }
  },
  async estimateRun(body) {
    const flowId = get().flowId;
    if (!flowId) return;
    try {
      set({ estimate: await api.estimateEvaluation(flowId, body), error: undefined });
    } catch (error) {
      set({ estimate: undefined, error: messageOf(error) });
    }
  },
  clearEstimate: () => set({ estimate: undefined }),
  async run(body) {
    const flowId = get().flowId;
    if (!flowId) return;
    set({ estimate: undefined, error: undefined });
    try {
      const { evaluationId } = await api.startEvaluation(flowId, body);
      for (;;) {
        const evaluation = await api.evaluation(evaluationId);
        if (get().flowId !== flowId) return;
        set({ evaluation });
        if (evaluation.status !== 'running') return;
        await sleep(POLL_MS);
      }
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
}));

/** A finished run as a case: its inputs, and its status and outputs as the expectation to edit. */
export function caseFromRun(run: RunState, name: string): EvaluationCase {
  const expect: CaseExpectation = {};
  if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'waiting') expect.status = run.status;
  if (run.outputs && Object.keys(run.outputs).length > 0) expect.outputs = run.outputs;
  return { name, inputs: run.inputs, expect };
}

/** `classify.model=gpt-4o` as a variant's settings (the value as JSON when it parses); undefined when it is not written node.key=value. */
export function parseVariant(text: string): Record<string, unknown> | undefined {
  const settings: Record<string, unknown> = {};
  for (const part of text.split(/\s+/).filter((piece) => piece !== '')) {
    const match = /^([^.=\s]+\.[^.=\s]+)=(.+)$/.exec(part);
    if (!match) return undefined;
    let value: unknown = match[2];
    try {
      value = JSON.parse(match[2]!);
    } catch {
      // Not JSON: the text itself (gpt-4o).
    }
    settings[match[1]!] = value;
  }
  return settings;
}
