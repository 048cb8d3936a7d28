/**
 * One definition per node kind: everything the contract and the designer need to know about it.
 * Other layers (validator, estimator, engine, run state, server, canvas) ask the registry for these
 * declarations instead of comparing a node's kind to a name. Executors live in
 * server/executors/<kind>/ so the browser never bundles them.
 */
import type { z } from 'zod';
import type { Flow } from '../flow.ts';
import type { NodePorts } from '../ports.ts';

/**
 * What a kind may look up beyond its own config: other flows, by id (a subflow's ports are its
 * child flow's fields). Where no flows are known (the canvas before they load), `flow` answers
 * undefined and such a kind declares no ports.
 */
export interface KindContext {
  flow(id: string): Flow | undefined;
  /** A known flow's input fields (as input ports) and result fields (as output ports); see shared/flow-calls.ts. */
  interfaceOf(id: string): NodePorts | undefined;
}

export const NO_FLOWS: KindContext = { flow: () => undefined, interfaceOf: () => undefined };

/** A mistake in a node's config that its schema alone cannot see (a field of another flow), at `path` below `config`. */
export interface ConfigProblem {
  path: Array<string | number>;
  message: string;
}

export type PaletteGroup = 'Flow' | 'AI' | 'Logic' | 'People';

/**
 * Which editor the inspector uses for a top-level config field instead of the one its schema implies.
 * `flow`: a choice of saved flows; `child-input`: a choice of the input fields of the flow the node
 * calls (its kind's `calls`).
 */
export type EditorHint = 'prompt' | 'code' | 'model' | 'cases' | 'flow' | 'child-input';

/**
 * What a step of this kind can wait for. Its executor returns `{type: 'wait', request}`; the run
 * pauses (`step.waiting`) until an answer arrives (`step.decided`), checked against `answerSchema`
 * before anything is recorded. An approval is one such wait; a webhook or a child run would be others.
 */
export interface WaitDeclaration<Request = unknown, Answer = unknown> {
  /** What a waiting step asks, as its executor returns it and the log records it. */
  requestSchema: z.ZodType<Request>;
  /** What ends the wait; a body that does not fit is refused with its path. */
  answerSchema: z.ZodType<Answer>;
  /** Listed in `GET /api/approvals` and the approvals panel: a person answers it. */
  forPerson: boolean;
  /** One line naming what is awaited (canvas, CLI, history). */
  title(request: Request): string;
  /** One line saying how the wait ended (CLI, history). */
  answerText(answer: Answer, by: string): string;
  /** When the wait ends by itself: at this ISO time, with this answer. */
  deadline?(request: Request): { at: string; answer: Answer } | undefined;
}

/**
 * What the inspector's editors need to know of a kind's config beyond which editor a field gets,
 * so that no code outside the kind names one of its fields.
 */
export interface EditorSupport<Config> {
  /** The language its `code` editor highlights, checks and completes the source in. */
  codeLanguage?: (config: Config) => 'javascript' | 'typescript';
  /** The config with one more input port named `name` (the prompt editor's "Add input" for an unknown placeholder). */
  addInput?: (config: Config, name: string) => Config;
}

/** How a kind's streamed step text is shown. Pure and cheap enough to run on every delta. */
export interface StreamedText<Config> {
  present(config: Config, text: string): string;
}

export interface KindDefinition<Name extends string = string, Config = unknown> {
  kind: Name;
  title: string;
  group: PaletteGroup;
  description: string;
  /** Other words people search the palette with ("llm" for a model). */
  keywords?: readonly string[];
  /** Accent colour of the node on the canvas and in the palette. */
  colour: string;
  /** Strict: unknown keys (an `apiKey` pasted into a flow) are refused. */
  configSchema: z.ZodType<Config>;
  /** The config a node gets when dropped from the palette. */
  defaultConfig: () => Config;
  /** Ports, derived from config (and, for kinds that call flows, from those flows) where the kind says so. */
  ports: (config: Config, context?: KindContext) => NodePorts;
  /** The flows a node of this kind runs (a subflow's child): pinned when a run starts, checked for cycles and depth. */
  calls?: (config: Config) => string[];
  /** Checks of the config against what `context` knows (a map's `itemInput` must be a child input). */
  check?: (config: Config, context: KindContext) => ConfigProblem[];
  /** Short lines the canvas node shows under its title. Pure: called on every render of the node. */
  summary: (config: Config) => string[];
  /**
   * Output collects what arrives: it runs when its wired inputs are settled and at least one
   * carried a value, instead of being skipped as soon as one input is skipped.
   */
  acceptsPartialInputs?: boolean;
  /** Its output ports are the run's inputs: checked before a run starts, unique across the flow. */
  takesRunInputs?: boolean;
  /** Its input ports are the run's outputs (what an evaluation case may expect). */
  givesRunOutputs?: boolean;
  /**
   * The canvas shows its streamed text and token cost while it runs, rather than its outputs;
   * `present` turns the text so far into what a person reads (the answer inside a wire format).
   */
  streamsText?: StreamedText<Config>;
  /** Its input ports are fields of the run's result (what a flow called as a subflow gives back). */
  givesRunResult?: boolean;
  /** Template fields (`{{name}}`) whose names must match input ports. */
  templates?: (config: Config) => Array<{ key: string; text: string }>;
  /** Inspector editors for config fields, by top-level key. */
  editors?: Partial<Record<string, EditorHint>>;
  /** What those editors need to know of the config (the code's language, where a new input goes). */
  editorSupport?: EditorSupport<Config>;
  /** Set when a step of this kind can pause the run. */
  wait?: WaitDeclaration<never, never>;
}

/** Identity helper that keeps the config type inferred from the schema. */
export function defineKind<const Name extends string, Config>(definition: KindDefinition<Name, Config>): KindDefinition<Name, Config> {
  return definition;
}

/** Identity helper for a kind's wait, keeping its request and answer types inferred. */
export function defineWait<Request, Answer>(wait: WaitDeclaration<Request, Answer>): WaitDeclaration<never, never> {
  return wait as unknown as WaitDeclaration<never, never>;
}

/** The wait declaration with its types erased, for code that handles any kind. */
export type AnyWait = WaitDeclaration<unknown, unknown>;

export function waitOf(definition: KindDefinition | undefined): AnyWait | undefined {
  return definition?.wait as AnyWait | undefined;
}
