/**
 * One definition per node kind: its name, palette look, config schema and ports.
 * Executors live in server/executors/<kind>.ts so the browser never bundles them.
 */
import type { z } from 'zod';
import type { NodePorts } from '../ports.ts';

export type PaletteGroup = 'Flow' | 'AI' | 'Logic' | 'People';

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
  /** Ports, derived from config where the kind says so. */
  ports: (config: Config) => NodePorts;
  /**
   * Output collects what arrives: it runs when its wired inputs are settled and at least one
   * carried a value, instead of being skipped as soon as one input is skipped.
   */
  acceptsPartialInputs?: boolean;
  /** Template fields (`{{name}}`) whose names must match input ports. */
  templates?: (config: Config) => Array<{ key: string; text: string }>;
}

/** Identity helper that keeps the config type inferred from the schema. */
export function defineKind<const Name extends string, Config>(definition: KindDefinition<Name, Config>): KindDefinition<Name, Config> {
  return definition;
}
