/**
 * Child processes of a benchmark (servers, clients): started with an IPC channel, asked questions
 * by message type, and always killed when the benchmark ends.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';

/** Every descendant of a process (children first found, then theirs), from `ps`. */
export function descendants(pid: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!child || parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** Kills a process and everything it started, whatever process group they put themselves in. */
export function killTree(pid: number): void {
  for (const target of [...descendants(pid), pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export interface Child {
  process: ChildProcess;
  /** Resolves with the next message of this type. */
  next<T = Record<string, unknown>>(type: string, timeoutMs?: number): Promise<T>;
  /** Sends `{type, ...extra}` and waits for the answer of the same type (or `answerType`). */
  ask<T = Record<string, unknown>>(type: string, extra?: Record<string, unknown>, answerType?: string, timeoutMs?: number): Promise<T>;
  send(message: Record<string, unknown>): void;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) if (child.pid !== undefined) killTree(child.pid);
});

export function startChild(file: URL, args: string[] = [], execArgv: string[] = ['--import', 'tsx']): Child {
  const child = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  live.add(child);
  const waiters: Array<{ type: string; resolve: (message: never) => void }> = [];
  const early: Array<{ type: string }> = [];
  let exited: string | undefined;
  const rejecters = new Set<(error: Error) => void>();
  child.on('message', (message: { type: string }) => {
    const index = waiters.findIndex((waiter) => waiter.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(message as never);
    else early.push(message);
  });
  child.on('exit', (code, signal) => {
    live.delete(child);
    exited = `${file.pathname.split('/').pop()} exited (${signal ?? `code ${code}`})`;
    for (const reject of rejecters) reject(new Error(exited));
  });
  const next = <T>(type: string, timeoutMs = 120_000): Promise<T> => {
    const index = early.findIndex((message) => message.type === type);
    if (index >= 0) return Promise.resolve(early.splice(index, 1)[0] as T);
    if (exited) return Promise.reject(new Error(exited));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        rejecters.delete(reject);
        reject(new Error(`no "${type}" message from ${file.pathname.split('/').pop()} within ${timeoutMs} ms`));
      }, timeoutMs);
      rejecters.add(reject);
      waiters.push({
        type,
        resolve: ((message: T) => {
          clearTimeout(timer);
          rejecters.delete(reject);
          resolve(message);
        }) as never,
      });
    });
  };
  return {
    process: child,
    next,
    ask: (type, extra = {}, answerType, timeoutMs) => {
      const answer = next(answerType ?? type, timeoutMs);
      child.send({ type, ...extra });
      return answer as never;
    },
    send: (message) => {
      if (child.connected) child.send(message);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send({ type: 'close' });
      const timer = setTimeout(() => {
        if (child.pid !== undefined) killTree(child.pid);
      }, 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
