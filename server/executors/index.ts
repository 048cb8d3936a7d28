/** Every kind's executor: a kind without one does not compile. */
import type { ExecutorMap } from '../engine/executor.ts';
import { approvalExecutor } from './approval.ts';
import { codeExecutor } from './code.ts';
import { inputExecutor } from './input.ts';
import { mapExecutor } from './map.ts';
import { modelExecutor } from './model/model-executor.ts';
import { outputExecutor } from './output.ts';
import { subflowExecutor } from './subflow.ts';
import { switchExecutor } from './switch.ts';

export const executors = {
  input: inputExecutor,
  output: outputExecutor,
  model: modelExecutor,
  code: codeExecutor,
  approval: approvalExecutor,
  switch: switchExecutor,
  subflow: subflowExecutor,
  map: mapExecutor,
} satisfies ExecutorMap;
