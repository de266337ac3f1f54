/**
 * MIST over HTTP, with the status codes and order of Go's transport.HTTP.
 *
 * {@link HTTPSender} POSTs each message (with its checksum) as
 * application/json:
 *
 * ```ts
 * const sender = new HTTPSender("http://127.0.0.1:8080/mist", { token: "s3cret" });
 * await sender.send(msg);
 * ```
 *
 * 2xx is success; 429 throws MistError code "rate_limit"; 503 throws
 * {@link FullError} (code "unavailable"); any other 5xx code
 * "unavailable"; any other status code "validation" (never worth
 * retrying); a network failure code "transport". Every status error has
 * `meta.status`, e.g. "503".
 *
 * {@link HTTPReceiver} serves POSTs and queues the messages for
 * `receive()`:
 *
 * ```ts
 * const receiver = new HTTPReceiver({ token: "s3cret" });
 * const { url } = await receiver.listen(0, "127.0.0.1"); // serves /mist
 * const msg = await receiver.receive({ signal: AbortSignal.timeout(5000) });
 * await receiver.close();
 * ```
 *
 * It answers, checking in this order: 503 after close; 405 (Allow: POST)
 * for another method; 401 (WWW-Authenticate: Bearer) without exactly
 * "Authorization: Bearer <token>" when a token is set; 413 for a body over
 * {@link MAX_MESSAGE_SIZE}; 400 when {@link unmarshal} rejects it; 503
 * (Retry-After: 1) when the inbox (256 messages by default) is full;
 * otherwise 202 with an empty body. Every non-2xx reply is an error JSON
 * body, as Go writes it.
 *
 * @module
 */

import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { timingSafeEqual } from "node:crypto";
import { MAX_MESSAGE_SIZE, Message, checkVersion, unmarshal } from "./envelope.js";
import { ClosedError, Code, FullError, MistError } from "./errors.js";
import { bytesOf } from "./json.js";

const MAX_RESPONSE_BODY = 64 << 10;
const MAX_DETAIL = 512;
const DEFAULT_INBOX = 256;
const DEFAULT_PATH = "/mist";

/**
 * The wire form of msg ({@link Message.marshalWithChecksum}, plus "\n" for
 * a line), after the checks Go's transports make before sending:
 * validate, checkVersion and the size limit.
 *
 * @throws MistError with code "validation".
 */
export function encodeForSend(msg: Message, line = false): Uint8Array {
  if (!(msg instanceof Message)) throw new MistError(Code.Validation, "transport: message is nil");
  try {
    msg.validate();
    checkVersion(msg.version);
  } catch (e) {
    throw new MistError(Code.Validation, "transport: invalid message", { cause: e });
  }
  let data: Uint8Array;
  try {
    data = msg.marshalWithChecksum();
  } catch (e) {
    throw new MistError(Code.Validation, "transport: encode message", { cause: e });
  }
  if (data.length > MAX_MESSAGE_SIZE) {
    throw new MistError(
      Code.Validation,
      `transport: ${msg.type} message is ${data.length} bytes, over the limit of ${MAX_MESSAGE_SIZE}`,
      { meta: { reason: "size" } },
    );
  }
  if (!line) return data;
  const out = new Uint8Array(data.length + 1);
  out.set(data);
  out[data.length] = 0x0a;
  return out;
}

function detail(body: Uint8Array): string {
  const text = Buffer.from(body).toString("utf8").trim();
  if (text === "") return "";
  let d = text;
  try {
    const e = MistError.fromJSON(text);
    if (e.code !== "") d = e.toString();
  } catch {
    // not an error object: keep the text
  }
  const b = Buffer.from(d, "utf8");
  if (b.length > MAX_DETAIL) d = b.subarray(0, MAX_DETAIL).toString("utf8").replace(/\ufffd$/, "") + "…";
  return d;
}

/** The error for a non-2xx reply, classified as Go's sender does. */
export function statusError(target: string, status: number, body: Uint8Array): MistError {
  let code: string = Code.Validation;
  if (status === 429) code = Code.RateLimit;
  else if (status >= 500 && status <= 599) code = Code.Unavailable;
  let text = `transport: http post ${target}: ${status} ${STATUS_CODES[status] ?? ""}`.trimEnd();
  const d = detail(body);
  if (d) text += ": " + d;
  const meta = { status: String(status) };
  if (status === 503) return new FullError(text, { meta, cause: new FullError() });
  return new MistError(code, text, { meta });
}

/** Options of an {@link HTTPSender}. */
export interface HTTPSenderOptions {
  /** Adds "Authorization: Bearer <token>" when not empty. */
  token?: string;
  /** Bounds each send, in milliseconds (default 10000). */
  timeoutMs?: number;
}

/** Options of one send or receive. */
export interface CallOptions {
  /** Aborts the call; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

/**
 * Sends messages by POSTing them to a MIST receiver.
 *
 * The URL is used exactly as given (a Go receiver started with Listen
 * serves /mist). Redirects are not followed: a 3xx reply is an error with
 * code "validation". Safe for concurrent sends.
 */
export class HTTPSender {
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #closed = new AbortController();

  constructor(url: string, options: HTTPSenderOptions = {}) {
    if (!url) throw new MistError(Code.Validation, "transport: http: no target url");
    this.url = url;
    this.#token = options.token ?? "";
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * POST msg; see the module for the outcomes.
   *
   * @throws ClosedError after {@link HTTPSender.close}, the signal's reason
   * when options.signal aborts.
   */
  async send(msg: Message, options: CallOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    if (this.#closed.signal.aborted) throw new ClosedError();
    const data = encodeForSend(msg);
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this.#token) headers["Authorization"] = "Bearer " + this.#token;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signals = [timeout, this.#closed.signal];
    if (options.signal) signals.push(options.signal);
    const signal = AbortSignal.any(signals);
    let status: number;
    let body: Uint8Array;
    try {
      const resp = await fetch(this.url, { method: "POST", headers, body: data, redirect: "manual", signal });
      status = resp.status;
      body = await readAtMost(resp.body, MAX_RESPONSE_BODY);
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (this.#closed.signal.aborted) throw new ClosedError();
      throw new MistError(Code.Transport, `transport: http post ${this.url}`, { cause: e });
    }
    if (status >= 200 && status < 300) return;
    throw statusError(this.url, status, body);
  }

  /** Make later sends throw ClosedError and abort those in progress. */
  close(): void {
    this.#closed.abort();
  }
}

/** Options of an {@link HTTPReceiver}. */
export interface HTTPReceiverOptions {
  /** Requires "Authorization: Bearer <token>" when not empty. */
  token?: string;
  /** How many messages wait for receive() before 503 (default 256; < 1 keeps it). */
  inboxSize?: number;
  /** The path {@link HTTPReceiver.listen} serves (default "/mist"). */
  path?: string;
}

interface Waiter {
  resolve(m: Message): void;
  reject(e: unknown): void;
}

class TooLarge extends Error {}

/**
 * Receives the messages POSTed to it; see the module for the replies.
 *
 * {@link HTTPReceiver.handler} answers requests of any node:http server
 * (whatever their path); {@link HTTPReceiver.listen} runs a server of its
 * own that serves the configured path and answers 404 elsewhere.
 * {@link HTTPReceiver.receive} returns queued messages in arrival order.
 * {@link HTTPReceiver.close} stops the server, drops the queued messages,
 * and makes receive() reject with ClosedError, including a receive() that
 * is waiting.
 */
export class HTTPReceiver {
  readonly token: string;
  readonly inboxSize: number;
  readonly path: string;
  readonly #inbox: Message[] = [];
  readonly #waiters: Waiter[] = [];
  #closed = false;
  #server: Server | undefined;

  constructor(options: HTTPReceiverOptions = {}) {
    this.token = options.token ?? "";
    const n = options.inboxSize ?? DEFAULT_INBOX;
    this.inboxSize = n >= 1 ? Math.floor(n) : DEFAULT_INBOX;
    this.path = options.path ?? DEFAULT_PATH;
  }

  /**
   * The next queued message, waiting until one arrives.
   *
   * @throws ClosedError after close(), the signal's reason when
   * options.signal aborts.
   */
  receive(options: CallOptions = {}): Promise<Message> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(new ClosedError());
    const m = this.#inbox.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise<Message>((resolve, reject) => {
      const w: Waiter = {
        resolve: (msg) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(msg);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(w);
    });
  }

  #offer(msg: Message): "ok" | "full" | "closed" {
    if (this.#closed) return "closed";
    const w = this.#waiters.shift();
    if (w !== undefined) {
      w.resolve(msg);
      return "ok";
    }
    if (this.#inbox.length >= this.inboxSize) return "full";
    this.#inbox.push(msg);
    return "ok";
  }

  /** Answers one request, as Go's Handler does; mount it on any node:http server. */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    void this.#serve(req, res);
  };

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#closed) {
      return replyError(res, req, 503, new MistError(Code.Unavailable, "transport: receiver is closed"), {}, true);
    }
    if (req.method !== "POST") {
      return replyError(res, req, 405, new MistError(Code.Validation, `transport: method ${req.method} not allowed, use POST`),
        { Allow: "POST" }, true);
    }
    if (this.token) {
      const got = Buffer.from(req.headers.authorization ?? "", "latin1");
      const want = Buffer.from("Bearer " + this.token, "latin1");
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        return replyError(res, req, 401, new MistError(Code.Auth, "transport: missing or wrong bearer token"),
          { "WWW-Authenticate": "Bearer" }, true);
      }
    }
    const cl = req.headers["content-length"];
    if (cl !== undefined && /^[0-9]+$/.test(cl) && Number(cl) > MAX_MESSAGE_SIZE) {
      return replyError(res, req, 413,
        new MistError(Code.Validation, `transport: message is ${cl} bytes, over the limit of ${MAX_MESSAGE_SIZE}`), {}, true);
    }
    let body: Uint8Array;
    try {
      body = await readBody(req);
    } catch (e) {
      if (e instanceof TooLarge) {
        return replyError(res, req, 413,
          new MistError(Code.Validation, `transport: message is over the limit of ${MAX_MESSAGE_SIZE} bytes`), {}, true);
      }
      return replyError(res, req, 400, new MistError(Code.Validation, "transport: read request body", { cause: e }), {}, true);
    }
    let msg: Message;
    try {
      msg = unmarshal(body);
    } catch (e) {
      return replyError(res, req, 400, new MistError(Code.Validation, "transport: bad message", { cause: e }));
    }
    switch (this.#offer(msg)) {
      case "closed":
        return replyError(res, req, 503, new MistError(Code.Unavailable, "transport: receiver is closed"));
      case "full":
        return replyError(res, req, 503, new MistError(Code.Unavailable, "transport: inbox is full"), { "Retry-After": "1" });
      default:
        res.writeHead(202, { "Content-Length": "0" });
        res.end();
    }
  }

  /**
   * Start a server on host:port (port 0 picks a free one) that serves
   * {@link HTTPReceiver.path} with Go's timeouts (10 s for headers and
   * requests, 30 s idle, 1 MiB of headers), and return its address.
   *
   * @throws ClosedError after close(), MistError code "transport" when it
   * cannot listen.
   */
  async listen(port = 0, host = "127.0.0.1"): Promise<{ host: string; port: number; url: string }> {
    if (this.#closed) throw new ClosedError();
    if (this.#server) throw new MistError(Code.Validation, "transport: receiver is already listening");
    const server = createServer({ maxHeaderSize: 1 << 20, requestTimeout: 10_000, headersTimeout: 10_000, keepAliveTimeout: 30_000 },
      (req, res) => {
        const path = (req.url ?? "").split("?")[0];
        if (path !== this.path) {
          return replyError(res, req, 404, new MistError(Code.NotFound, `transport: no receiver at ${req.url}`), {}, true);
        }
        this.handler(req, res);
      });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(new MistError(Code.Transport, `transport: listen ${host}:${port}`, { cause: e }));
      server.once("error", onError);
      server.listen(port, host, () => {
        server.off("error", onError);
        resolve();
      });
    });
    return { ...this.#address(), url: this.url };
  }

  #address(): { host: string; port: number } {
    const a = this.#server?.address() as AddressInfo | null | undefined;
    if (!a) throw new MistError(Code.Validation, "transport: receiver is not listening");
    return { host: a.address, port: a.port };
  }

  /** The URL to send to once {@link HTTPReceiver.listen} has resolved. */
  get url(): string {
    const { host, port } = this.#address();
    return `http://${host.includes(":") ? `[${host}]` : host}:${port}${this.path}`;
  }

  /** Stop serving (waiting for the server to close), drop the queued messages, and reject waiting receives with ClosedError. A second close does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbox.length = 0;
    for (const w of this.#waiters.splice(0)) w.reject(new ClosedError());
    const server = this.#server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let done = false;
    req.on("data", (c: Buffer) => {
      if (done) return;
      n += c.length;
      if (n > MAX_MESSAGE_SIZE) {
        done = true;
        req.pause();
        reject(new TooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks, n));
      }
    });
    req.on("error", (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
    req.on("close", () => {
      if (!done) {
        done = true;
        reject(new Error("request closed before its end"));
      }
    });
  });
}

/** How long, and how many bytes, a reply that closes the connection waits for an unread request body. */
const LINGER_MS = 5_000;
const LINGER_BYTES = 4 * MAX_MESSAGE_SIZE;

function replyError(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  err: MistError,
  headers: Record<string, string> = {},
  close = false,
): void {
  const body = bytesOf(err.toJSONText());
  const h: Record<string, string> = {
    ...headers,
    "Content-Type": "application/json",
    "X-Content-Type-Options": "nosniff",
    "Content-Length": String(body.length),
  };
  if (close) h["Connection"] = "close"; // the body may be unread: end the connection
  res.writeHead(status, h);
  const reply = req.method === "HEAD" ? undefined : body;
  if (!close || req.readableEnded) {
    res.end(reply);
    return;
  }
  // The request body was not read. Ending the response now would close
  // the connection with unread data, which resets it, and the client
  // could lose this reply (the 413 of an oversize POST, say). So, as Go's
  // server does, send the reply at once but close only after reading and
  // dropping what the client still sends: until its end, LINGER_BYTES or
  // LINGER_MS, whichever comes first.
  if (reply !== undefined) res.write(reply);
  let n = 0;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off("data", onData);
    res.end();
  };
  const onData = (c: Buffer): void => {
    n += c.length;
    if (n > LINGER_BYTES) finish();
  };
  const timer = setTimeout(finish, LINGER_MS);
  timer.unref();
  req.on("data", onData);
  req.once("end", finish);
  req.once("close", finish);
  req.resume();
}
