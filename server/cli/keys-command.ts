/**
 * `weft keys create --name NAME [--flow ID]… | list | revoke NAME`: API keys for invoking flows,
 * in the server's data directory (WEFT_DATA_DIR, default ./data), where a running server reads
 * them on every call, or in PostgreSQL with WEFT_DATABASE_URL (where every server on the database
 * reads them). A new key is printed once; only its hash is kept.
 */
import { resolve } from 'node:path';
import { idParam, keyNameParam } from '../../shared/wire/rest-requests.ts';
import { ApiKeys, KeyError, type ApiKeyStore } from '../keys/api-keys.ts';
import type { Database } from '../store/postgres/database.ts';
import { parseCommandArgs } from './cli-args.ts';
import { EXIT, type CliIo } from './output.ts';

export const KEYS_USAGE = 'usage: weft keys create --name NAME [--flow ID]... | weft keys list | weft keys revoke NAME\n';

export async function keysCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (!(action === 'create' || (action === 'list' && rest.length === 0) || (action === 'revoke' && rest.length === 1))) {
    io.err(KEYS_USAGE);
    return EXIT.invalid;
  }
  let database: Database | undefined;
  try {
    const databaseUrl = io.env.WEFT_DATABASE_URL || undefined;
    let keys: ApiKeyStore;
    if (databaseUrl !== undefined) {
      const [{ openDatabase }, { PostgresApiKeys }] = await Promise.all([import('../store/postgres/database.ts'), import('../keys/api-keys-postgres.ts')]);
      database = await openDatabase(databaseUrl, { log: (line) => io.err(`${line}\n`) });
      keys = new PostgresApiKeys(database);
    } else {
      keys = new ApiKeys(resolve(io.env.WEFT_DATA_DIR || 'data'));
    }
    if (action === 'create') return await create(keys, rest, io);
    if (action === 'list') return await list(keys, io);
    return await revoke(keys, rest[0]!, io);
  } catch (error) {
    io.err(`weft keys: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof KeyError ? EXIT.invalid : EXIT.failed;
  } finally {
    await database?.close();
  }
}

async function create(keys: ApiKeyStore, args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('keys create', args, { name: { type: 'string' }, flow: { type: 'string', multiple: true } }, io);
  if (!parsed) return EXIT.invalid;
  if (parsed.positionals.length > 0 || parsed.values.name === undefined) {
    io.err(KEYS_USAGE);
    return EXIT.invalid;
  }
  const name = keyNameParam.safeParse(parsed.values.name);
  if (!name.success) {
    io.err(`weft keys create: --name ${name.error.issues[0]!.message}\n`);
    return EXIT.invalid;
  }
  const flows = parsed.values.flow ?? [];
  for (const flow of flows) {
    if (!idParam.safeParse(flow).success) {
      io.err(`weft keys create: --flow "${flow}" is not a flow id\n`);
      return EXIT.invalid;
    }
  }
  const { key, summary } = await keys.create(name.data, flows);
  io.out(`${key}\n`);
  io.err(`created key "${summary.name}" for ${summary.flows ? `flows ${summary.flows.join(', ')}` : 'every flow'}; it is shown only this once\n`);
  return EXIT.ok;
}

async function list(keys: ApiKeyStore, io: CliIo): Promise<number> {
  const all = await keys.list();
  if (all.length === 0) io.err('no API keys yet; create one with `weft keys create --name NAME`\n');
  for (const key of all) io.out(`${key.name}\t${key.flows ? key.flows.join(',') : '*'}\t${key.createdAt}\t${key.revokedAt ? `revoked ${key.revokedAt}` : 'active'}\n`);
  return EXIT.ok;
}

async function revoke(keys: ApiKeyStore, name: string, io: CliIo): Promise<number> {
  if (!(await keys.revoke(name))) {
    io.err(`weft keys revoke: there is no active key named "${name}"\n`);
    return EXIT.invalid;
  }
  io.err(`revoked key "${name}"\n`);
  return EXIT.ok;
}
