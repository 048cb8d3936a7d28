/**
 * The flow file, schemaVersion 1: zod schema, inferred types, versioned loading.
 * Config is parsed per kind by validate.ts so an unknown kind gets its own clear problem.
 */
import { z } from 'zod';
import { triggersSchema } from './triggers.ts';
import { idSchema } from './ids.ts';
import { PORT_NAME_PATTERN } from './ports.ts';
import { spendCapSchema } from './spend-caps.ts';

export const CURRENT_SCHEMA_VERSION = 1;

const ENDPOINT_PATTERN = new RegExp(`^([a-z][a-z0-9-]{0,62})\\.(${PORT_NAME_PATTERN.source.slice(1, -1)})$`);

export const endpointSchema = z
  .string()
  .regex(ENDPOINT_PATTERN, 'an edge end is "node.port", e.g. "classify.text"')
  .describe('"node.port"');

export const positionSchema = z.object({ x: z.number(), y: z.number() }).strict();

export const nodeSchema = z
  .object({
    id: idSchema,
    kind: z.string().min(1),
    label: z.string().optional(),
    position: positionSchema,
    config: z.record(z.string(), z.unknown()),
  })
  .strict();

export const edgeSchema = z.object({ from: endpointSchema, to: endpointSchema }).strict();

export const settingsSchema = z
  .object({
    budgetUsd: z.number().positive().optional().describe('Most a run may spend on models, in US dollars'),
    spendCaps: z.array(spendCapSchema).max(8).optional().describe('Most the flow may spend on models per calendar day or month, over all its runs'),
    triggers: triggersSchema.optional(),
  })
  .strict();

export const flowSchema = z
  .object({
    $schema: z.string().optional(),
    schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
    id: idSchema,
    name: z.string().min(1),
    description: z.string().optional(),
    settings: settingsSchema.optional(),
    nodes: z.array(nodeSchema),
    edges: z.array(edgeSchema),
  })
  .strict();

export type Flow = z.infer<typeof flowSchema>;
export type FlowNode = z.infer<typeof nodeSchema>;
export type FlowEdge = z.infer<typeof edgeSchema>;
export type FlowSettings = z.infer<typeof settingsSchema>;

export interface Endpoint {
  nodeId: string;
  port: string;
}

export function parseEndpoint(endpoint: string): Endpoint {
  const dot = endpoint.indexOf('.');
  return { nodeId: endpoint.slice(0, dot), port: endpoint.slice(dot + 1) };
}

export function formatEndpoint(nodeId: string, port: string): string {
  return `${nodeId}.${port}`;
}

/** Ordered migrations: `migrations[n]` turns a version-n document into version n+1. */
type Migration = (document: Record<string, unknown>) => Record<string, unknown>;
const migrations: Record<number, Migration> = {};

export type MigrationResult = { ok: true; document: unknown } | { ok: false; message: string };

/**
 * Brings a parsed document to the current schemaVersion, refusing versions from the future.
 */
export function migrateFlowDocument(document: unknown): MigrationResult {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { ok: false, message: 'a flow file must hold a JSON object' };
  }
  let current = document as Record<string, unknown>;
  const version = current.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, message: `schemaVersion must be a whole number from 1 to ${CURRENT_SCHEMA_VERSION}` };
  }
  if (version > CURRENT_SCHEMA_VERSION) {
    return {
      ok: false,
      message: `this flow uses schemaVersion ${version}, newer than this Weft understands (${CURRENT_SCHEMA_VERSION}): upgrade Weft to open it`,
    };
  }
  for (let from = version; from < CURRENT_SCHEMA_VERSION; from++) {
    const migrate = migrations[from];
    if (!migrate) return { ok: false, message: `no migration from schemaVersion ${from}` };
    current = { ...migrate(current), schemaVersion: from + 1 };
  }
  return { ok: true, document: current };
}
