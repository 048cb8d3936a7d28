/**
 * The reply node-http-fetch.ts hands the openai SDK: the members of a fetch `Response` the SDK
 * reads (status, ok, headers, url, body, text(), json(), arrayBuffer(), bytes(), blob()) over a
 * node:http reply, with a body that is an async iterable of bytes instead of a web ReadableStream.
 *
 * Why: the SDK reads a streamed reply through `body.getReader()` when the body has one and
 * iterates the body otherwise (`createAbortableSSESource` in openai's core/streaming). A web
 * ReadableStream over a node:http reply costs a stream, a controller, a reader and their promises
 * per reply; here each chunk goes from the socket's 'data' event to the SDK's pending `next()`.
 * bench/model-fetch.ts and the "Round five: model step" section of bench/README.md measure it.
 *
 * Semantics kept from the web stream it replaces: a body is read once (a second reader gets
 * `TypeError`); a failure discards chunks not yet read; `return()` (the SDK letting go after
 * `[DONE]`) leaves a complete reply's socket in the keep-alive pool and cuts one still arriving.
 * Not a `Response`: `instanceof Response` is false, and `clone()` and `formData()` throw.
 */
import type { IncomingMessage } from 'node:http';

/** Chunks held before the socket is paused (the SDK reads as fast as they come). */
const HIGH_WATER_CHUNKS = 16;

type Source = NodeJS.ReadableStream;
type Waiter = { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void };

const DONE: IteratorResult<Uint8Array> = { value: undefined, done: true };

/** The body: an async iterator over the reply's (decoded) bytes, read once. */
export class NodeHttpBody implements AsyncIterableIterator<Uint8Array> {
  readonly #response: IncomingMessage;
  readonly #source: Source;
  readonly #onSettled: () => void;
  readonly #chunks: Uint8Array[] = [];
  #waiter: Waiter | undefined;
  #state: 'open' | 'ended' | 'failed' | 'released' = 'open';
  #failure: unknown;
  #paused = false;
  /** True once something started reading (the SDK or text() and the like). */
  used = false;

  /** `onSettled` runs once, when the body ends, fails or is let go of. */
  constructor(response: IncomingMessage, source: Source, onSettled: () => void) {
    this.#response = response;
    this.#source = source;
    this.#onSettled = onSettled;
    source.on('data', (chunk: Buffer) => this.#push(chunk));
    source.on('end', () => this.#end());
    source.on('error', (error: unknown) => this.fail(new TypeError('terminated', { cause: error })));
    // Closed before the whole body arrived (the server dropped the connection).
    response.on('close', () => {
      if (!response.complete) this.fail(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }));
    });
  }

  [Symbol.asyncIterator](): this {
    this.used = true;
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    this.used = true;
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      if (this.#paused && this.#chunks.length === 0) {
        this.#paused = false;
        this.#source.resume();
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.#state === 'failed') return Promise.reject(this.#failure);
    if (this.#state !== 'open') return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Lets go of the body: a complete reply keeps its socket for the next request, one still arriving is cut. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (this.#state === 'open') {
      this.#settle('released');
      if (this.#response.complete) this.#response.resume();
      else this.#response.destroy();
    }
    return Promise.resolve(DONE);
  }

  /** Ends the body with `error` (chunks not yet read are dropped) and closes the reply. */
  fail(error: unknown): void {
    if (this.#state !== 'open') return;
    this.#failure = error;
    this.#settle('failed');
    this.#response.destroy();
  }

  /** Every byte of the body, for text(), json() and the like. */
  async bytes(): Promise<Uint8Array> {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    const parts: Uint8Array[] = [];
    for await (const part of this) parts.push(part);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  #push(chunk: Buffer): void {
    if (this.#state !== 'open') return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ value: chunk, done: false });
      return;
    }
    this.#chunks.push(chunk);
    if (!this.#paused && this.#chunks.length >= HIGH_WATER_CHUNKS) {
      this.#paused = true;
      this.#source.pause();
    }
  }

  #end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.#onSettled();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(DONE);
  }

  #settle(state: 'failed' | 'released'): void {
    this.#state = state;
    this.#chunks.length = 0;
    this.#onSettled();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (!waiter) return;
    if (state === 'failed') waiter.reject(this.#failure);
    else waiter.resolve(DONE);
  }
}

const EMPTY = new Uint8Array(0);

/** What the SDK reads of a fetch `Response`, over a node:http reply. */
export class NodeHttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly url: string;
  readonly body: NodeHttpBody | null;
  readonly redirected = false;
  readonly type = 'basic';

  constructor(init: { status: number; statusText: string; headers: Headers; url: string; body: NodeHttpBody | null }) {
    this.status = init.status;
    this.statusText = init.statusText;
    this.headers = init.headers;
    this.url = init.url;
    this.body = init.body;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get bodyUsed(): boolean {
    return this.body?.used ?? false;
  }

  bytes(): Promise<Uint8Array> {
    return this.body ? this.body.bytes() : Promise.resolve(EMPTY);
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async blob(): Promise<Blob> {
    return new Blob([(await this.bytes()) as Uint8Array<ArrayBuffer>], { type: this.headers.get('content-type') ?? '' });
  }

  formData(): never {
    throw new TypeError('formData() is not supported by node-http-fetch.ts');
  }

  clone(): never {
    throw new TypeError('clone() is not supported by node-http-fetch.ts');
  }
}
