/**
 * The registry of node kinds: feeds the palette, the inspector, the validator and the engine.
 */
import type { NodePorts } from '../ports.ts';
import { approvalKind } from './approval.ts';
import { codeKind } from './code.ts';
import type { KindDefinition } from './define-kind.ts';
import { inputKind } from './input.ts';
import { modelKind } from './model.ts';
import { outputKind } from './output.ts';

export const KINDS = [inputKind, outputKind, modelKind, codeKind, approvalKind] as const;
export type KnownKind = (typeof KINDS)[number];
export type KindName = KnownKind['kind'];
export type ConfigOf<K extends KindName> = Extract<KnownKind, { kind: K }> extends KindDefinition<K, infer C> ? C : never;

export class KindRegistry {
  readonly #kinds = new Map<string, KindDefinition>();

  constructor(definitions: readonly KindDefinition<string, never>[]) {
    for (const definition of definitions) this.register(definition as unknown as KindDefinition);
  }

  register(definition: KindDefinition): void {
    if (this.#kinds.has(definition.kind)) throw new Error(`node kind "${definition.kind}" is registered twice`);
    this.#kinds.set(definition.kind, definition);
  }

  get(kind: string): KindDefinition | undefined {
    return this.#kinds.get(kind);
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
