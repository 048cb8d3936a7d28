import {
  newQuickJSWASMModule,
  newVariant,
  RELEASE_SYNC,
  type EmscriptenModuleLoaderOptions,
} from 'quickjs-emscripten';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';
import { runGuest, type GuestEngine } from './run-guest.ts';

/**
 * A QuickJS WebAssembly module whose linear memory is capped for one memory limit.
 *
 * Why the cap lives here: in the Emscripten build, QuickJS cannot see the size of the
 * blocks it allocates, so `runtime.setMemoryLimit` only refuses single allocations larger
 * than the limit; many small ones add up without bound (quickjs-emscripten issues #255
 * and #271). The module imports its memory, so it gets a WebAssembly.Memory whose
 * `maximum` is the limit plus the engine's fixed needs: when an allocation would grow
 * memory past it, malloc fails and QuickJS throws its out-of-memory error.
 */
export interface Engine extends GuestEngine {
  memoryBytes: number;
}

const PAGE_BYTES = 64 * 1024;
/** The module declares a 16 MiB minimum (256 pages). */
const MINIMUM_PAGES = 256;
/** Static data and the 5 MiB C stack, the runtime itself and room for the compiled source. */
export const ENGINE_BASE_BYTES = 6 * 1024 * 1024;

/**
 * The release build still checks its assertions, and a few of its error paths leak an
 * object when memory runs out inside an async function, so freeing that runtime aborts.
 * runGuest reports the module as poisoned and it is replaced; Emscripten's own print of
 * the abort is dropped here, since the failure is already handled.
 */
const quietEmscripten: EmscriptenModuleLoaderOptions & { print(text: string): void; printErr(text: string): void } = {
  print: () => undefined,
  printErr: () => undefined,
};

export async function loadEngine(memoryBytes: number): Promise<Engine> {
  const maximum = Math.max(MINIMUM_PAGES, Math.ceil((memoryBytes + ENGINE_BASE_BYTES) / PAGE_BYTES));
  const memory = new WebAssembly.Memory({ initial: MINIMUM_PAGES, maximum });
  let refused = false;
  const grow = memory.grow.bind(memory);
  // Emscripten grows the memory through this method and turns a refusal into a failed malloc.
  memory.grow = (delta: number): number => {
    try {
      return grow(delta);
    } catch (error) {
      refused = true;
      throw error;
    }
  };
  const variant = newVariant(RELEASE_SYNC, { emscriptenModule: quietEmscripten, wasmMemory: async () => memory });
  const engine: Engine = {
    module: await newQuickJSWASMModule(variant),
    memoryBytes,
    memoryRefused: () => refused,
    resetMemoryRefused: () => {
      refused = false;
    },
    memorySize: () => memory.buffer.byteLength,
  };
  warmUp(engine);
  return engine;
}

/** Runs a trivial step in each language so the first real call finds the code warm. */
function warmUp(engine: GuestEngine): void {
  const steps = [
    { language: 'javascript', source: 'export default (inputs) => ({ y: inputs.x })' },
    { language: 'typescript', source: 'export default (inputs: { x: number }) => ({ y: inputs.x })' },
  ] as const;
  for (const { language, source } of steps) {
    runGuest(engine, { source, language, inputsJson: '{"x":1}', limits: DEFAULT_SANDBOX_LIMITS, isCancelled: () => false });
  }
}

/**
 * The engines a worker keeps, one per memory limit, least recently used dropped first.
 * Two cover the common mix of default steps and steps with their own memory limit
 * without reloading a module on every switch; each holds at most its capped memory.
 */
export class EngineCache {
  private readonly engines = new Map<number, Engine>();

  constructor(private readonly capacity: number) {}

  async get(memoryBytes: number): Promise<Engine> {
    const cached = this.engines.get(memoryBytes);
    if (cached !== undefined) {
      this.engines.delete(memoryBytes);
      this.engines.set(memoryBytes, cached);
      return cached;
    }
    const engine = await loadEngine(memoryBytes);
    this.engines.set(memoryBytes, engine);
    for (const key of this.engines.keys()) {
      if (this.engines.size <= this.capacity) break;
      this.engines.delete(key);
    }
    return engine;
  }

  /** Forgets an engine that can no longer be trusted; the next `get` loads a new one. */
  discard(engine: Engine): void {
    if (this.engines.get(engine.memoryBytes) === engine) this.engines.delete(engine.memoryBytes);
  }
}
