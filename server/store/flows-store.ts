/**
 * The flows directory: each flow is the plain file `<id>.flow.json`, the same file people edit,
 * diff and commit. Every request reads the disk, so a file changed outside Weft (a `git pull`)
 * shows at once. Writes are canonical (serializeFlow) and atomic.
 *
 * What a file's text parses to is cached per flow, keyed by the text itself (flow-text-cache.ts),
 * so an unchanged file is the same Flow object on every read and any other text is validated afresh.
 */
import { lstat, mkdir, readdir, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { flowHash, serializeFlow } from '../../shared/canonical.ts';
import type { Flow } from '../../shared/flow.ts';
import { ID_PATTERN, ID_RULE } from '../../shared/ids.ts';
import type { Problem } from '../../shared/validate.ts';
import { writeFileAtomic, type AtomicWriteFs } from './atomic-write.ts';
import { FlowTextCache } from './flow-text-cache.ts';

export const FLOW_FILE_SUFFIX = '.flow.json';

export type FlowListEntry =
  | { id: string; file: string; valid: true; name: string; description?: string; nodeCount: number }
  | { id: string; file: string; valid: false; name?: string; problems: Problem[] };

export type FlowReadResult =
  | { status: 'ok'; flow: Flow; hash: string }
  | { status: 'missing' }
  /** `document`: the file's JSON when it parses as an object, so an editor can open it to fix it. */
  | { status: 'invalid'; problems: Problem[]; document?: Record<string, unknown> };

/** A flow id that must not become a file name. */
export class InvalidFlowIdError extends Error {
  constructor(id: string) {
    super(`"${printable(id)}" is not a flow id (${ID_RULE})`);
    this.name = 'InvalidFlowIdError';
  }
}

/** Shows control characters (a NUL from `%00`) instead of printing them. */
function printable(text: string): string {
  return JSON.stringify(text.slice(0, 80)).slice(1, -1);
}

export class FlowsStore {
  readonly directory: string;
  readonly #fs: AtomicWriteFs | undefined;
  /** By flow id: the text of the file last read, and the valid flow it parsed to. */
  readonly #parsed = new FlowTextCache((id) => `the file is named "${id}${FLOW_FILE_SUFFIX}"`);

  constructor(directory: string, options: { fs?: AtomicWriteFs } = {}) {
    this.directory = resolve(directory);
    this.#fs = options.fs;
  }

  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  /** The file of a flow; refuses anything that is not an id (traversal, absolute paths, NUL). */
  pathFor(id: string): string {
    if (!ID_PATTERN.test(id)) throw new InvalidFlowIdError(id);
    const path = join(this.directory, `${id}${FLOW_FILE_SUFFIX}`);
    if (!path.startsWith(this.directory + sep)) throw new InvalidFlowIdError(id);
    return path;
  }

  /** Every `*.flow.json` file, valid or not; an invalid one is listed with its problems. */
  async list(): Promise<FlowListEntry[]> {
    const names = (await readdir(this.directory)).filter((name) => name.endsWith(FLOW_FILE_SUFFIX)).sort();
    const entries = await Promise.all(names.map((name) => this.#summarise(name)));
    return entries.filter((entry): entry is FlowListEntry => entry !== undefined);
  }

  async #summarise(file: string): Promise<FlowListEntry | undefined> {
    const id = file.slice(0, -FLOW_FILE_SUFFIX.length);
    if (!ID_PATTERN.test(id)) {
      return { id, file, valid: false, problems: [{ rule: 'bad-id', path: '', message: `the file name "${file}" is not "<id>.flow.json" with a valid id (${ID_RULE})` }] };
    }
    const result = await this.get(id);
    if (result.status === 'missing') return undefined; // removed while listing
    if (result.status === 'invalid') return { id, file, valid: false, problems: result.problems };
    const { flow } = result;
    return { id, file, valid: true, name: flow.name, ...(flow.description !== undefined ? { description: flow.description } : {}), nodeCount: flow.nodes.length };
  }

  async get(id: string): Promise<FlowReadResult> {
    const path = this.pathFor(id);
    let text: string;
    try {
      const file = await this.#regularFileInside(path);
      if (typeof file !== 'string') return file;
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) {
        this.#parsed.forget(id);
        return { status: 'missing' };
      }
      throw error;
    }
    return this.#parsed.read(id, text);
  }

  /**
   * The real path of a flow file, which must be a regular file inside the flows directory: a
   * symbolic link to a file elsewhere (`/etc/passwd`, another project's secrets) is refused and
   * reported, never served. The file read is the resolved one, so the link cannot be swapped
   * between the check and the read to reach outside.
   */
  async #regularFileInside(path: string): Promise<string | Extract<FlowReadResult, { status: 'missing' | 'invalid' }>> {
    const link = await lstat(path);
    if (!link.isSymbolicLink()) return link.isFile() ? path : { status: 'missing' };
    const [target, directory] = await Promise.all([realpath(path), realpath(this.directory)]);
    if (!target.startsWith(directory + sep)) {
      return { status: 'invalid', problems: [{ rule: 'file', path: '', message: `${basename(path)} is a symbolic link to a file outside the flows directory; flows must be files inside ${this.directory}` }] };
    }
    return (await stat(target)).isFile() ? target : { status: 'missing' };
  }

  /** Writes a validated flow canonically and atomically; `created` when there was no file before. */
  async put(flow: Flow): Promise<{ created: boolean; hash: string }> {
    const path = this.pathFor(flow.id);
    const created = !(await exists(path));
    this.#parsed.forget(flow.id);
    await writeFileAtomic(path, serializeFlow(flow), this.#fs);
    return { created, hash: flowHash(flow) };
  }

  /** Removes a flow's file; false when there was none. Past runs keep their own copy of the flow. */
  async delete(id: string): Promise<boolean> {
    const path = this.pathFor(id);
    this.#parsed.forget(id);
    try {
      await unlink(path);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
