/**
 * The registry of node kinds: feeds the palette, the inspector, the validator and the engine.
 */
import type { NodePorts } from '../ports.ts';
import { approvalKind } from './approval.ts';
import { codeKind } from './code.ts';
import { waitOf, type AnyWait, type KindDefinition } from './define-kind.ts';
import { inputKind } from './input.ts';
import { mapKind } from './map.ts';
import { modelKind } from './model.ts';
import { outputKind } from './output.ts';
import { subflowKind } from './subflow.ts';
import { switchKind } from './switch.ts';

export const KINDS = [inputKind, outputKind, modelKind, codeKind, approvalKind, switchKind, subflowKind, mapKind] as const;
export type KnownKind = (typeof KINDS)[number];
export type KindName = KnownKind['kind'];
export type ConfigOf<K extends KindName> = Extract<KnownKind, { kind: K }> extends KindDefinition<K, infer C> ? C : never;

export class KindRegistry {
  readonly #kinds = new Map<string, KindDefinition>();

  constructor(definitions: readonly KindDefinition<string, never>[]) {
    for (const definition of definitions) this.register(definition as unknown as KindDefinition);
  }

  /** Adds a kind; returns what removes it again (a test's throwaway kind). */
  register(definition: KindDefinition): () => void {
    if (this.#kinds.has(definition.kind)) throw new Error(`node kind "${definition.kind}" is registered twice`);
    this.#kinds.set(definition.kind, definition);
    return () => {
      if (this.#kinds.get(definition.kind) === definition) this.#kinds.delete(definition.kind);
    };
  }

  get(kind: string): KindDefinition | undefined {
    return this.#kinds.get(kind);
  }

  /** The kind's wait declaration, when a step of that kind can pause the run. */
  waitOf(kind: string): AnyWait | undefined {
    return waitOf(this.#kinds.get(kind));
  }

  list(): KindDefinition[] {
    return [...this.#kinds.values()];
  }

  /** Ports of a node whose config has already been checked against its kind's schema. */
  portsOf(kind: string, config: unknown): NodePorts {
    const definition = this.#kinds.get(kind);
    if (!definition) return { inputs: [], outputs: [] };
    return definition.ports(config);
  }
}

export const registry = new KindRegistry(KINDS as unknown as readonly KindDefinition<string, never>[]);

export function isKindName(kind: string): kind is KindName {
  return registry.get(kind) !== undefined;
}

/** One line naming what a waiting step of `kind` asks (display only: canvas, CLI, history). */
export function waitTitle(kind: string, request: unknown): string {
  const wait = registry.waitOf(kind);
  const parsed = wait?.requestSchema.safeParse(request);
  return wait && parsed?.success ? wait.title(parsed.data) : 'waiting';
}

/** One line saying how a step of `kind` was answered (display only: CLI, history). */
export function answerText(kind: string, answer: unknown, by: string): string {
  const wait = registry.waitOf(kind);
  const parsed = wait?.answerSchema.safeParse(answer);
  return wait && parsed?.success ? wait.answerText(parsed.data, by) : `answered by ${by}`;
}

/** Whether a step of `kind` waits for a person (the approvals inbox, `weft run --approve`). */
export function waitsForPerson(kind: string): boolean {
  return registry.waitOf(kind)?.forPerson === true;
}
