/**
 * MIST over JSON lines, as Go's transport.Stdio: one compact envelope per
 * line, on process.stdin/process.stdout or any pair of streams.
 *
 * ```ts
 * const link = new Stdio();                  // process.stdin / process.stdout
 * await link.send(msg);                      // one line
 * for await (const msg of link) { ... }      // until the end of the input
 * ```
 *
 * Lines may end in "\n" or "\r\n"; lines holding only spaces and tabs are
 * skipped; a line may hold up to {@link MAX_MESSAGE_SIZE} bytes. A line
 * that is too long or that {@link unmarshal} rejects makes that receive()
 * reject with a MistError (code "protocol"), and the next receive() goes
 * on after it. A final line without "\n" (a peer that stopped mid-line) is
 * never returned: receive() resolves null at the end of the input, also
 * when the stream is destroyed or closed without ending, so a reader never
 * hangs on a peer that went away.
 *
 * @module
 */

import type { Readable, Writable } from "node:stream";
import { MAX_MESSAGE_SIZE, type Message, unmarshal } from "./envelope.js";
import { ClosedError, Code, MistError } from "./errors.js";
import { encodeForSend, type CallOptions } from "./http.js";

type Item = { msg: Message } | { err: unknown };

function tooLong(n: number): MistError {
  return new MistError(Code.Protocol, `transport: line of ${n} bytes is over the limit of ${MAX_MESSAGE_SIZE}`, {
    meta: { reason: "size" },
  });
}

function blank(line: Buffer): boolean {
  for (const c of line) if (c !== 0x20 && c !== 0x09) return false;
  return true;
}

/**
 * Splits a byte stream into lines, with Go's rules: at most `max` bytes
 * per line not counting "\n" and one trailing "\r"; longer lines are
 * dropped as they arrive and reported once their end is seen.
 */
export class LineSplitter {
  #parts: Buffer[] = [];
  #size = 0;
  #skipping = false;
  #skipped = 0;
  constructor(readonly max: number = MAX_MESSAGE_SIZE) {}

  /** Feed a chunk; returns the complete lines (or too-long errors) it ends. */
  push(chunk: Buffer): (Buffer | MistError)[] {
    const out: (Buffer | MistError)[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      const piece = chunk.subarray(from, nl);
      from = nl + 1;
      if (this.#skipping) {
        const n = this.#skipped + piece.length;
        this.#skipping = false;
        this.#skipped = 0;
        out.push(tooLong(n));
        continue;
      }
      let line = this.#parts.length === 0 ? piece : Buffer.concat([...this.#parts, piece]);
      this.#parts = [];
      this.#size = 0;
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      if (blank(line)) continue;
      out.push(line.length > this.max ? tooLong(line.length) : line);
    }
    const rest = chunk.subarray(from);
    if (rest.length > 0) {
      if (this.#skipping) {
        this.#skipped += rest.length;
      } else {
        this.#parts.push(rest);
        this.#size += rest.length;
        if (this.#size > this.max + 1) { // too long even with a "\r": drop it
          this.#skipping = true;
          this.#skipped = this.#size;
          this.#parts = [];
          this.#size = 0;
        }
      }
    }
    return out;
  }
}

/**
 * JSON lines over a readable and a writable stream.
 *
 * With no arguments it uses process.stdin and process.stdout, which
 * {@link Stdio.close} leaves open; streams passed in are closed by it.
 * send() writes each line with one write, one send at a time, and waits
 * for the stream to drain when it asks to. receive() reads one line ahead
 * at most (the stream is paused meanwhile); the end of the input is final:
 * every later receive() resolves null.
 */
export class Stdio {
  readonly #in: Readable;
  readonly #out: Writable;
  readonly #own: boolean;
  readonly #items: Item[] = [];
  readonly #waiters: { resolve(i: Item | null): void }[] = [];
  #ended = false;
  #closed = false;
  #started = false;
  #sending: Promise<void> = Promise.resolve();

  constructor(input?: Readable, output?: Writable) {
    this.#own = input !== undefined || output !== undefined;
    this.#in = input ?? process.stdin;
    this.#out = output ?? process.stdout;
  }

  /**
   * Write msg as one line.
   *
   * @throws MistError code "validation" for a message the receiver would
   * reject, code "transport" when the write fails, ClosedError after close.
   */
  send(msg: Message, options: CallOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    if (this.#closed) return Promise.reject(new ClosedError());
    let data: Uint8Array;
    try {
      data = encodeForSend(msg, true);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.#sending.then(() => this.#write(data));
    this.#sending = run.catch(() => undefined);
    return run;
  }

  #write(data: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError());
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (e?: unknown): void => {
        if (settled) return;
        settled = true;
        this.#out.off("error", finish);
        this.#out.off("close", onClose);
        if (e === undefined || e === null) resolve();
        else if (this.#closed) reject(new ClosedError());
        else reject(new MistError(Code.Transport, "transport: stdio write", { cause: e }));
      };
      const onClose = (): void => finish(new Error("stream closed"));
      this.#out.once("error", finish);
      this.#out.once("close", onClose);
      const ok = this.#out.write(data, (e) => {
        if (e) finish(e);
        else if (ok) finish();
      });
      if (!ok) this.#out.once("drain", () => finish());
    });
  }

  /**
   * The next message, or null at the end of the input.
   *
   * @throws MistError code "protocol" for a bad line (the next call goes on
   * after it), code "transport" for a read error, ClosedError after close,
   * the signal's reason when options.signal aborts.
   */
  async receive(options: CallOptions = {}): Promise<Message | null> {
    const signal = options.signal;
    signal?.throwIfAborted();
    if (this.#closed) throw new ClosedError();
    this.#start();
    let item = this.#items.shift();
    if (item === undefined) {
      if (this.#ended) return null;
      this.#in.resume();
      const got = await new Promise<Item | null>((resolve, reject) => {
        const w = {
          resolve: (i: Item | null): void => {
            signal?.removeEventListener("abort", onAbort);
            resolve(i);
          },
        };
        const onAbort = (): void => {
          const k = this.#waiters.indexOf(w);
          if (k >= 0) this.#waiters.splice(k, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(w);
      });
      if (got === null) {
        if (this.#closed) throw new ClosedError();
        return null;
      }
      item = got;
    } else if (this.#items.length === 0 && !this.#ended) {
      this.#in.resume();
    }
    if ("err" in item) throw item.err;
    return item.msg;
  }

  /** Messages until the end of the input (a bad line throws). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Message> {
    for (;;) {
      const m = await this.receive();
      if (m === null) return;
      yield m;
    }
  }

  #deliver(item: Item): void {
    const w = this.#waiters.shift();
    if (w !== undefined) w.resolve(item);
    else this.#items.push(item);
    if (this.#items.length > 0) this.#in.pause(); // one line ahead at most
  }

  #end(err?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (err !== undefined) {
      this.#deliver({ err: new MistError(Code.Transport, "transport: read", { cause: err }) });
    }
    for (const w of this.#waiters.splice(0)) w.resolve(null);
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    const split = new LineSplitter();
    this.#in.on("data", (chunk: Buffer | string) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      for (const line of split.push(b)) {
        if (line instanceof MistError) {
          this.#deliver({ err: line });
          continue;
        }
        try {
          this.#deliver({ msg: unmarshal(line) });
        } catch (e) {
          this.#deliver({ err: e });
        }
      }
    });
    this.#in.once("end", () => this.#end());
    this.#in.once("close", () => this.#end()); // destroyed without an end: the peer went away
    this.#in.once("error", (e) => this.#end(e));
  }

  /**
   * Make every later call throw ClosedError, wake waiting receives, and
   * close the streams that were passed in (never process.stdin/stdout). A
   * second close does nothing.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#items.length = 0;
    for (const w of this.#waiters.splice(0)) w.resolve(null);
    if (!this.#own) {
      if (this.#started) this.#in.pause();
      return;
    }
    if (this.#in !== process.stdin) this.#in.destroy();
    if (this.#out !== process.stdout && this.#out !== process.stderr) {
      await new Promise<void>((resolve) => {
        this.#out.end(() => resolve());
        this.#out.once("error", () => resolve());
        if (this.#out.writableFinished || this.#out.destroyed) resolve();
      });
    }
  }
}
