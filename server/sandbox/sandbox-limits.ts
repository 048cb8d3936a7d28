import type { SandboxLimitName, SandboxLimits } from './sandbox-types.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: 5000,
  memoryBytes: 32 * MIB,
  stackBytes: 512 * KIB,
  outputBytes: 1 * MIB,
  consoleBytes: 256 * KIB,
  consoleLines: 1000,
});

/**
 * The range each limit may be set to. The stack ceiling stays well under both the
 * 5 MiB C stack compiled into the QuickJS WebAssembly module and the native stack of
 * the worker thread, so QuickJS reports an overflow before the machine stack does.
 * Memory is enforced by capping the module's WebAssembly memory (see load-engine.ts),
 * whose smallest size leaves the code about 10 MiB, so lower limits would not hold.
 */
export const SANDBOX_LIMIT_RANGES: Readonly<Record<keyof SandboxLimits, readonly [number, number]>> = Object.freeze({
  timeoutMs: [1, 10 * 60 * 1000],
  memoryBytes: [10 * MIB, 1024 * MIB],
  stackBytes: [64 * KIB, 1 * MIB],
  outputBytes: [1, 16 * MIB],
  consoleBytes: [0, 4 * MIB],
  consoleLines: [0, 100_000],
});

/** `32 MiB`, `512 KiB`, `100 bytes`: whole units when the size is a whole number of them. */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= KIB) return `${(bytes / KIB).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The message a step fails with when it hits `limit`. */
export function limitMessage(limit: Exclude<SandboxLimitName, 'console'>, limits: SandboxLimits, detail?: string): string {
  const suffix = detail === undefined ? '' : ` (${detail})`;
  switch (limit) {
    case 'timeout':
      return `code step exceeded its time limit of ${limits.timeoutMs} ms${suffix}`;
    case 'memory':
      return `code step exceeded its memory limit of ${formatBytes(limits.memoryBytes)}${suffix}`;
    case 'stack':
      return `code step exceeded its stack limit of ${formatBytes(limits.stackBytes)} (too much recursion)`;
    case 'output':
      return `code step output is larger than ${formatBytes(limits.outputBytes)}${suffix}`;
  }
}

/** Merges `overrides` over the defaults, or explains which value is out of range. */
export function resolveLimits(overrides: unknown): SandboxLimits | { error: string } {
  const limits = defaultLimits();
  if (overrides === undefined) return limits;
  if (overrides === null || typeof overrides !== 'object') return { error: 'code step limits must be an object' };
  for (const key in overrides) {
    if (!Object.hasOwn(overrides, key)) continue;
    if (!Object.hasOwn(SANDBOX_LIMIT_RANGES, key)) return { error: `unknown code step limit "${key}"` };
    const value: unknown = (overrides as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const [min, max] = SANDBOX_LIMIT_RANGES[key as keyof SandboxLimits];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return { error: `code step limit ${key} must be a whole number from ${min} to ${max}, got ${String(value)}` };
    }
    limits[key as keyof SandboxLimits] = value;
  }
  return limits;
}

/**
 * A fresh copy of the defaults, written out: copying the frozen defaults with a spread cost about
 * 1 us per call here (bench/README.md, round four), a measurable share of a warm call.
 */
function defaultLimits(): SandboxLimits {
  const d = DEFAULT_SANDBOX_LIMITS;
  return { timeoutMs: d.timeoutMs, memoryBytes: d.memoryBytes, stackBytes: d.stackBytes, outputBytes: d.outputBytes, consoleBytes: d.consoleBytes, consoleLines: d.consoleLines };
}

/**
 * Whether `text` is more than `maxBytes` of UTF-8, reading it only when its length leaves a doubt:
 * a UTF-16 unit is at most 3 bytes. A step's source is measured on every call otherwise.
 */
export function utf8LengthOver(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return false;
  return Buffer.byteLength(text, 'utf8') > maxBytes;
}
