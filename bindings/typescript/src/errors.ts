/**
 * Coded errors, mirroring the Go package errors.
 *
 * Every error this package throws is a {@link MistError} (or a subclass)
 * with a machine-readable `code`, a `message`, string `meta` data and an
 * optional `cause`. Its JSON form is the one Go's `*errors.Error` writes:
 * `{"code","message","meta"?,"cause"?}`, so errors cross process
 * boundaries in both directions (the HTTP receivers send it in every
 * non-2xx reply).
 *
 * @module
 */

import { encodeString, encodeValue, parseValue, bytesOf } from "./json.js";

/** The standard codes. */
export const Code = {
  Internal: "internal",
  Timeout: "timeout",
  Cancelled: "cancelled",
  Transport: "transport",
  Protocol: "protocol",
  Validation: "validation",
  NotFound: "not_found",
  Unavailable: "unavailable",
  RateLimit: "rate_limit",
  Auth: "auth",
  Conflict: "conflict",
} as const;

// code -> [HTTP status, exit code, retryable], as in Go's table.
const TABLE: Record<string, [number, number, boolean]> = {
  internal: [500, 1, true],
  timeout: [504, 5, true],
  cancelled: [499, 130, false],
  transport: [500, 7, true],
  protocol: [500, 8, false],
  validation: [400, 2, false],
  not_found: [404, 3, false],
  unavailable: [503, 6, true],
  rate_limit: [429, 9, true],
  auth: [401, 4, false],
  conflict: [409, 10, false],
};

function row(code: string): [number, number, boolean] {
  return Object.hasOwn(TABLE, code) ? TABLE[code]! : [500, 1, false];
}

/** The HTTP status for code: 200 for "" (no error), 500 if unknown. */
export function httpStatus(code: string): number {
  return code === "" ? 200 : row(code)[0];
}

/** The process exit code for code: 0 for "" (no error), 1 if unknown. */
export function exitCode(code: string): number {
  return code === "" ? 0 : row(code)[1];
}

/** Options of a {@link MistError}. */
export interface MistErrorOptions {
  meta?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error with a code, a message, string metadata and a cause.
 *
 * `toString()` is `"<code>: <message>"` followed by `": <cause>"` when
 * there is a cause, as Go's Error() writes it. For envelope errors,
 * `meta.reason` is the reason class ("size", "json", "field_type",
 * "missing_field", "timestamp", "version" or "checksum") and `meta.field`
 * the field at fault, as in Go. A MistError is not changed after it is
 * thrown.
 */
export class MistError extends Error {
  override name = "MistError";
  readonly code: string;
  readonly meta: Readonly<Record<string, string>>;

  constructor(code: string, message = "", options: MistErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.meta = Object.freeze({ ...(options.meta ?? {}) });
  }

  /** meta.reason, or "" when there is none. */
  get reason(): string {
    return this.meta["reason"] ?? "";
  }

  /** meta.field, or "" when there is none. */
  get field(): string {
    return this.meta["field"] ?? "";
  }

  /** Whether the code is retryable in Go's table (unknown codes: no). */
  get retryable(): boolean {
    return row(this.code)[2];
  }

  /** The HTTP status of the code. */
  get httpStatus(): number {
    return httpStatus(this.code);
  }

  override toString(): string {
    let s = this.code;
    if (this.message) s += ": " + this.message;
    if (this.cause !== undefined) s += ": " + causeText(this.cause);
    return s;
  }

  /** The JSON object Go writes: code, message, meta?, cause?. */
  toJSON(): { code: string; message: string; meta?: Record<string, string>; cause?: string } {
    const o: { code: string; message: string; meta?: Record<string, string>; cause?: string } = {
      code: this.code,
      message: this.message,
    };
    if (Object.keys(this.meta).length > 0) o.meta = { ...this.meta };
    if (this.cause !== undefined) o.cause = causeText(this.cause);
    return o;
  }

  /** The bytes Go's json.Marshal writes for the same *errors.Error, as text. */
  toJSONText(): string {
    const parts = ['"code":' + encodeString(this.code), '"message":' + encodeString(this.message)];
    if (Object.keys(this.meta).length > 0) parts.push('"meta":' + encodeValue({ ...this.meta }));
    if (this.cause !== undefined) parts.push('"cause":' + encodeString(causeText(this.cause)));
    return "{" + parts.join(",") + "}";
  }

  /**
   * Read an error JSON object; the cause comes back as a plain Error with
   * the same text.
   *
   * @throws MistError with code "validation" when data is not one.
   */
  static fromJSON(data: string | Uint8Array): MistError {
    let v: unknown;
    try {
      v = parseValue(typeof data === "string" ? bytesOf(data) : data);
    } catch (e) {
      throw new MistError(Code.Validation, "errors: decode json", { cause: e });
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new MistError(Code.Validation, "errors: decode json: not an object");
    }
    const o = v as Record<string, unknown>;
    const str = (k: string): string => {
      const x = o[k];
      if (x === undefined || x === null) return "";
      if (typeof x !== "string") throw new MistError(Code.Validation, `errors: decode json: ${k} must be a string`);
      return x;
    };
    const meta: Record<string, string> = {};
    const m = o["meta"];
    if (m !== undefined && m !== null) {
      if (typeof m !== "object" || Array.isArray(m)) {
        throw new MistError(Code.Validation, "errors: decode json: meta must be an object");
      }
      for (const [k, x] of Object.entries(m)) {
        if (typeof x !== "string") throw new MistError(Code.Validation, "errors: decode json: meta values must be strings");
        meta[k] = x;
      }
    }
    const c = o["cause"];
    if (c !== undefined && c !== null && typeof c !== "string") {
      throw new MistError(Code.Validation, "errors: decode json: cause must be a string");
    }
    return new MistError(str("code"), str("message"), {
      meta,
      ...(typeof c === "string" ? { cause: new Error(c) } : {}),
    });
  }
}

function causeText(c: unknown): string {
  if (c instanceof MistError) return c.toString();
  if (c instanceof Error) return c.message;
  return String(c);
}

/** The transport is closed (Go: transport.ErrClosed). Never retryable. */
export class ClosedError extends MistError {
  override name = "ClosedError";
  constructor(message = "transport: closed") {
    super(Code.Unavailable, message);
  }
  override get retryable(): boolean {
    return false;
  }
}

/** The receiver's inbox is full (Go: transport.ErrFull). Retryable. */
export class FullError extends MistError {
  override name = "FullError";
  constructor(message = "transport: full", options: MistErrorOptions = {}) {
    super(Code.Unavailable, message, options);
  }
}

/** The code of err: "" for undefined/null, the code of a MistError (or of one in its cause chain), "timeout" for an AbortSignal timeout, "cancelled" for an abort, "internal" otherwise. */
export function codeOf(err: unknown): string {
  if (err === undefined || err === null) return "";
  let e: unknown = err;
  for (let i = 0; i < 100 && e !== undefined; i++) {
    if (e instanceof MistError) return e.code;
    e = e instanceof Error ? e.cause : undefined;
  }
  if (err instanceof Error && err.name === "TimeoutError") return Code.Timeout;
  if (err instanceof Error && err.name === "AbortError") return Code.Cancelled;
  return Code.Internal;
}
