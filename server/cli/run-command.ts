/**
 * `weft run <file> [--input JSON] [--json] [--approve NODE] [--reject NODE] [--comment TEXT] [--by NAME]`
 * Runs a flow headless with the same engine and executors as the server, under the same spend
 * caps (spend/cli-spend.ts). Exit codes: 0 succeeded,
 * 1 failed or cancelled, 2 flow or inputs invalid (nothing ran), 3 stopped at a decision it was not given.
 */
import { randomUUID } from 'node:crypto';
import { waitsForPerson, waitTitle } from '../../shared/kinds/registry.ts';
import type { Flow } from '../../shared/flow.ts';
import { checkRunInputs } from '../../shared/run-inputs.ts';
import { InMemoryChildRuns } from '../child-runs/in-memory-child-runs.ts';
import { startRun, type RunHandle } from '../engine/index.ts';
import type { RunState } from '../../shared/run-state.ts';
import { executors } from '../executors/index.ts';
import { createRuntimeServices } from '../runtime-services.ts';
import { openCliSpend, type CliSpend } from '../spend/cli-spend.ts';
import { parseCommandArgs } from './cli-args.ts';
import { EXIT, type CliIo } from './output.ts';
import { costText, progressLine } from './progress.ts';
import { loadFlowAndInputs } from './load-flow.ts';

export const RUN_USAGE = 'weft run <file> [--input JSON] [--json] [--approve NODE] [--reject NODE] [--comment TEXT] [--by NAME] | weft run --replay-of RUN_ID [--json]';

const RUN_OPTIONS = {
  input: { type: 'string' },
  json: { type: 'boolean' },
  approve: { type: 'string', multiple: true },
  reject: { type: 'string', multiple: true },
  comment: { type: 'string' },
  by: { type: 'string' },
  'replay-of': { type: 'string' },
} as const;

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('run', args, RUN_OPTIONS, io);
  if (!parsed) return EXIT.invalid;
  const { values, positionals } = parsed;
  if (values['replay-of'] !== undefined && positionals.length === 0) {
    return (await import('./replay-of-command.ts')).replayOfCommand(values['replay-of'], values.json === true, io);
  }
  if (positionals.length !== 1) {
    io.err(`usage: ${RUN_USAGE}\n`);
    return EXIT.invalid;
  }
  const loaded = await loadFlowAndInputs(positionals[0]!, values.input, io);
  if (!loaded) return EXIT.invalid;
  const inputProblems = checkRunInputs(loaded.flow, loaded.inputs);
  if (inputProblems.length > 0) {
    io.err(`run inputs are not valid, nothing ran:\n${inputProblems.map((problem) => `  ${problem.message}`).join('\n')}\n`);
    return EXIT.invalid;
  }
  const approve = new Set(values.approve ?? []);
  const reject = new Set(values.reject ?? []);
  // A decision may be for a step of the flow or of a flow it calls.
  const allNodes = [loaded.flow, ...Object.values(loaded.flows).map((entry) => entry.flow)].flatMap((flow) => flow.nodes);
  for (const nodeId of [...approve, ...reject]) {
    const node = allNodes.find((candidate) => candidate.id === nodeId);
    if (!node || !waitsForPerson(node.kind)) {
      io.err(`--approve/--reject ${nodeId}: the flow has no approval node "${nodeId}"\n`);
      return EXIT.invalid;
    }
  }

  let caps: CliSpend;
  try {
    caps = await openCliSpend(io.env, [loaded.flow, ...Object.values(loaded.flows).map((entry) => entry.flow)]);
  } catch (error) {
    io.err(`weft run: ${(error as Error).message}, nothing ran\n`);
    return EXIT.invalid;
  }
  const runtime = await createRuntimeServices({ env: io.env, simulatedChunkDelayMs: 0, sandboxPoolSize: 1 }).catch(async (error: unknown) => {
    await caps.close();
    throw error;
  });
  const services = { ...runtime.services, ...(caps.spend ? { spend: caps.spend } : {}) };
  try {
    if (runtime.simulated && !values.json) io.err('note: no OPENAI_API_KEY: model steps use the built-in SIMULATED endpoint; outputs and costs are simulated\n');
    const costs = new Map<string, { usd: number | null; inputTokens: number; outputTokens: number; simulated: boolean }>();
    let stoppedInChild = false;
    const decideChild = (handle: RunHandle, state: RunState): void => {
      const waiting = handle.waitingSteps();
      const undecided = waiting.filter((step) => !approve.has(step.nodeId) && !reject.has(step.nodeId));
      if (undecided.length > 0) {
        stoppedInChild = true;
        if (!values.json) for (const step of undecided) io.out(`stopped: "${step.nodeId}" in child run ${handle.runId} (of ${state.flowId}) waits for a decision (${waitTitle(kindOfNode(handle.flow, step.nodeId), step.request)}); run again with --approve ${step.nodeId} or --reject ${step.nodeId}\n`);
        run.cancel('weft run (no decision given)');
        return;
      }
      for (const step of waiting) handle.decide(step.nodeId, { decision: approve.has(step.nodeId) ? 'approve' : 'reject', by: values.by ?? 'cli', ...(values.comment !== undefined ? { comment: values.comment } : {}) });
    };
    const children = new InMemoryChildRuns({
      executors,
      services,
      origin: { type: 'cli' },
      onEvent: (event) => {
        if (values.json) io.out(`${JSON.stringify(event)}\n`);
        else if (event.type === 'step.waiting' || event.type === 'step.decided' || event.type === 'step.failed') {
          const line = progressLine(event, costs);
          if (line) io.out(`  ${line.trimStart().replace(/^/, `[${event.runId}] `)}\n`);
        }
      },
      onWaiting: decideChild,
    });
    const run = startRun(
      randomUUID(),
      loaded.flow,
      loaded.inputs,
      {
        executors,
        services: { ...services, children },
        origin: { type: 'cli' },
        onEvent: (event) => {
          if (values.json) io.out(`${JSON.stringify(event)}\n`);
          else {
            const line = progressLine(event, costs, loaded.flow);
            if (line) io.out(`${line}\n`);
          }
        },
      },
      { flows: loaded.flows },
    );
    for (;;) {
      const status = await run.settled();
      if (status !== 'waiting') break;
      const waiting = run.waitingSteps();
      const undecided = waiting.filter((step) => !approve.has(step.nodeId) && !reject.has(step.nodeId));
      if (undecided.length > 0) {
        if (!values.json) {
          for (const step of undecided) io.out(`stopped: "${step.nodeId}" waits for a decision (${waitTitle(kindOfNode(loaded.flow, step.nodeId), step.request)}); run again with --approve ${step.nodeId} or --reject ${step.nodeId}\n`);
        }
        run.cancel('weft run (no decision given)');
        return EXIT.waiting;
      }
      for (const step of waiting) {
        const decision = approve.has(step.nodeId) ? 'approve' : 'reject';
        run.decide(step.nodeId, { decision, by: values.by ?? 'cli', ...(values.comment !== undefined ? { comment: values.comment } : {}) });
      }
    }
    if (stoppedInChild) return EXIT.waiting;
    const terminal = run.terminalEvent;
    if (!values.json && terminal) {
      const simulated = [...costs.values()].some((cost) => cost.simulated);
      const unpriced = [...costs.values()].some((cost) => cost.usd === null);
      if (terminal.type === 'run.succeeded') {
        io.out(`succeeded, cost ${costText(terminal.costUsd, simulated)}${unpriced ? ' plus unpriced steps' : ''}\noutputs:\n${JSON.stringify(terminal.outputs, null, 2)}\n`);
      } else if (terminal.type === 'run.failed') {
        io.out(`failed${terminal.error.nodeId ? ` at ${terminal.error.nodeId}` : ''}: ${terminal.error.message} (cost ${costText(terminal.costUsd, simulated)})\n`);
      } else if (terminal.type === 'run.cancelled') {
        io.out('cancelled\n');
      }
    }
    return terminal?.type === 'run.succeeded' ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.close();
    await caps.close();
  }
}

function kindOfNode(flow: Flow, nodeId: string): string {
  return flow.nodes.find((node) => node.id === nodeId)?.kind ?? '';
}
