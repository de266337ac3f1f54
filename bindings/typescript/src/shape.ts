/**
 * Shape checks and encoders used by the generated module types.ts.
 *
 * Parsers take (value, path) and return the value as the Go type would hold
 * it, throwing {@link MistError} with code "validation" and `meta.field` =
 * path when Go's encoding/json would refuse it. They accept plain JSON
 * values (from JSON.parse or hand-built) and the {@link JSONNumber}s that
 * {@link Message.decodeAs} uses to tell `1` from `1.0` as Go does.
 * Encoders take (value, path) and return the JSON text Go writes.
 *
 * @module
 */

import { MistError, Code } from "./errors.js";
import { JSONNumber, PAIRS, compareUTF8, encodeString, encodeValue, formatFloat, setKey, type LiteralObject } from "./json.js";

/** Checks a decoded JSON value and returns it as a T. */
export type Parser<T> = (v: unknown, path: string) => T;
/** Writes a T as Go's encoding/json does. */
export type Encoder<T> = (v: T, path: string) => string;

/** The parser and encoder of one payload type. */
export interface Codec<T> {
  parse(value: unknown, path?: string): T;
  encode(value: T, path?: string): string;
}

function kind(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof JSONNumber || typeof v === "number" || typeof v === "bigint") return "a number";
  if (typeof v === "boolean") return "a bool";
  if (typeof v === "string") return "a string";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return "a " + typeof v;
}

/** The error for a value of the wrong shape at path. */
export function wrong(v: unknown, path: string, want: string): MistError {
  return new MistError(Code.Validation, `${path} is ${kind(v)}, want ${want}`, { meta: { field: path } });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JSONNumber);
}

/** An object JSON can hold: a plain object (from JSON.parse, a literal or Object.create(null)). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Checks that v is an object (for encoders). */
export function object(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw wrong(v, path, "an object");
  return v;
}

function fold(s: string): string {
  // Go matches keys to fields case-insensitively when no key matches
  // exactly, with Unicode simple folding; for ASCII field names that is
  // ASCII case plus the two letters that fold into ASCII.
  return s.replace(/[\u017f\u212a]/g, (c) => (c === "\u017f" ? "s" : "k")).toLowerCase();
}

/**
 * Match the keys of a JSON object to field names as Go does: an exact match
 * first, else a case-insensitive one; the last matching key wins; unknown
 * keys are ignored. null or undefined gives no members.
 */
export function members(value: unknown, path: string, names: readonly string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value === null || value === undefined) return out;
  if (!isObject(value)) throw wrong(value, path, "an object");
  const exact = new Set(names);
  const folded = new Map<string, string>();
  for (let i = names.length - 1; i >= 0; i--) folded.set(fold(names[i]!), names[i]!);
  // Decoded JSON keeps every member in input order; a plain object has
  // each key once, in property order.
  const pairs = (value as LiteralObject)[PAIRS] ?? Object.keys(value).map((k): [string, unknown] => [k, value[k]]);
  for (const [k, v] of pairs) {
    const name = exact.has(k) ? k : folded.get(fold(k));
    if (name !== undefined) out.set(name, v);
  }
  return out;
}

// --- parsers -----------------------------------------------------------------

export const string: Parser<string> = (v, path) => {
  if (v === null || v === undefined) return "";
  if (typeof v !== "string") throw wrong(v, path, "a string");
  return v;
};

export const boolean: Parser<boolean> = (v, path) => {
  if (v === null || v === undefined) return false;
  if (typeof v !== "boolean") throw wrong(v, path, "a bool");
  return v;
};

/** The exact integer value of v, or undefined when v is not an integer. */
function exactInt(v: unknown): bigint | undefined {
  if (v instanceof JSONNumber) return v.isInteger ? BigInt(v.text) : undefined;
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

function bounds(bits: number, signed: boolean): [bigint, bigint] {
  return signed ? [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n] : [0n, (1n << BigInt(bits)) - 1n];
}

/** The exact integer value of v within the bounds of a Go integer type. */
function checkedInt(v: unknown, path: string, bits: number, signed: boolean): bigint {
  const [lo, hi] = bounds(bits, signed);
  const n = exactInt(v);
  if (n === undefined || n < lo || n > hi) throw wrong(v, path, `an integer in [${lo}, ${hi}]`);
  if (!signed && v instanceof JSONNumber && v.text.startsWith("-")) {
    throw wrong(v, path, `an integer in [${lo}, ${hi}]`); // Go's ParseUint refuses "-0"
  }
  return n;
}

function integer(bits: number, signed: boolean): Parser<number> {
  return (v, path) => (v === null || v === undefined ? 0 : Number(checkedInt(v, path, bits, signed)));
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit integer: a number when it is safe, a bigint beyond, so that it stays exact. */
function integer64(signed: boolean): Parser<number | bigint> {
  return (v, path) => {
    if (v === null || v === undefined) return 0;
    const n = checkedInt(v, path, 64, signed);
    return n >= -SAFE && n <= SAFE ? Number(n) : n;
  };
}

export const int8 = integer(8, true);
export const int16 = integer(16, true);
export const int32 = integer(32, true);
export const int64 = integer64(true);
export const uint8 = integer(8, false);
export const uint16 = integer(16, false);
export const uint32 = integer(32, false);
export const uint64 = integer64(false);

const FLOAT32_MAX = 3.4028234663852886e38;

function float(bits: 32 | 64): Parser<number> {
  return (v, path) => {
    if (v === null || v === undefined) return 0;
    let f: number;
    if (v instanceof JSONNumber) f = Number(v.text);
    else if (typeof v === "number") f = v;
    else if (typeof v === "bigint") f = Number(v);
    else throw wrong(v, path, "a number");
    if (!Number.isFinite(f) || (bits === 32 && Math.abs(f) > FLOAT32_MAX)) throw wrong(v, path, "a finite number");
    return f;
  };
}

export const float32 = float(32);
export const float64 = float(64);

/**
 * Any JSON value: null, boolean, finite number, string, array, object,
 * nested. Returned as a copy made of plain values ({@link JSONNumber}s
 * become numbers; undefined members are dropped).
 */
export const any: Parser<unknown> = (v, path) => {
  const convert = (x: unknown, p: string): { value: unknown; children?: [unknown, string, (c: unknown) => void][] } => {
    if (x === null || x === undefined) return { value: null };
    if (typeof x === "boolean" || typeof x === "string") return { value: x };
    if (x instanceof JSONNumber || typeof x === "number" || typeof x === "bigint") {
      const f = x instanceof JSONNumber ? Number(x.text) : Number(x);
      if (!Number.isFinite(f)) throw wrong(x, p, "a finite number");
      return { value: f };
    }
    if (Array.isArray(x)) {
      const out: unknown[] = new Array(x.length);
      return { value: out, children: x.map((e, i) => [e, `${p}[${i}]`, (c: unknown) => { out[i] = c; }]) };
    }
    if (isPlainObject(x)) {
      const out: Record<string, unknown> = {};
      const children: [unknown, string, (c: unknown) => void][] = [];
      for (const k of Object.keys(x)) {
        if (x[k] === undefined) continue;
        children.push([x[k], `${p}.${k}`, (c: unknown) => setKey(out, k, c)]);
      }
      return { value: out, children };
    }
    throw wrong(x, p, "a JSON value");
  };
  const root = convert(v, path);
  const stack = [...(root.children ?? [])];
  while (stack.length > 0) {
    const [x, p, set] = stack.pop()!;
    const r = convert(x, p);
    set(r.value);
    if (r.children) stack.push(...r.children);
  }
  return root.value;
};

/** A parser of arrays of elem; null is refused (see {@link nullable}). */
export function listOf<T>(elem: Parser<T>): Parser<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw wrong(v, path, "an array");
    return v.map((e, i) => elem(e, `${path}[${i}]`));
  };
}

/** A parser of objects whose values are elem; null is refused (see {@link nullable}). */
export function mapOf<T>(elem: Parser<T>): Parser<Record<string, T>> {
  return (v, path) => {
    if (!isObject(v)) throw wrong(v, path, "an object");
    const out: Record<string, T> = {};
    for (const k of Object.keys(v)) setKey(out, k, elem(v[k], `${path}.${k}`));
    return out;
  };
}

/** p, with null (or undefined) read as null: a nil slice or map in Go. */
export function nullable<T>(p: Parser<T>): Parser<T | null> {
  return (v, path) => (v === null || v === undefined ? null : p(v, path));
}

// --- encoders ----------------------------------------------------------------

/** Never omitted. */
export const KEEP: ReadonlySet<string> = new Set();
/** What omitempty leaves out: Go's empty values, as encoded. */
export const OMIT_EMPTY: ReadonlySet<string> = new Set(['""', "false", "0", "-0", "null", "[]", "{}"]);
/** What omitempty leaves out for an interface field: only nil. */
export const OMIT_ANY: ReadonlySet<string> = new Set(["null"]);

/** Append a member unless omitempty (omit) leaves it out. */
export function put(parts: string[], key: string, value: string, omit: ReadonlySet<string>): void {
  if (!omit.has(value)) parts.push(key + value);
}

export const encString: Encoder<unknown> = (v, path) => encodeString(string(v, path));
export const encBool: Encoder<unknown> = (v, path) => (boolean(v, path) ? "true" : "false");

function encInteger(bits: number, signed: boolean): Encoder<unknown> {
  return (v, path) => (v === null || v === undefined ? "0" : checkedInt(v, path, bits, signed).toString());
}

export const encInt8 = encInteger(8, true);
export const encInt16 = encInteger(16, true);
export const encInt32 = encInteger(32, true);
export const encInt64 = encInteger(64, true);
export const encUint8 = encInteger(8, false);
export const encUint16 = encInteger(16, false);
export const encUint32 = encInteger(32, false);
export const encUint64 = encInteger(64, false);

export const encFloat64: Encoder<unknown> = (v, path) => formatFloat(float64(v, path));
export const encFloat32: Encoder<unknown> = (v, path) => formatFloat(float32(v, path), 32);

export const encAny: Encoder<unknown> = (v, path) => {
  try {
    return encodeValue(v, path);
  } catch (e) {
    throw new MistError(Code.Validation, e instanceof Error ? e.message : String(e), { meta: { field: path } });
  }
};

/** An encoder of arrays of elem; null and undefined are written null. */
export function encList<T>(elem: Encoder<T>): Encoder<readonly T[] | null | undefined> {
  return (v, path) => {
    if (v === null || v === undefined) return "null";
    if (!Array.isArray(v)) throw wrong(v, path, "an array");
    return "[" + v.map((e, i) => elem(e, `${path}[${i}]`)).join(",") + "]";
  };
}

/** An encoder of objects whose values are elem, keys sorted as Go sorts map keys; null and undefined are written null. */
export function encMap<T>(elem: Encoder<T>): Encoder<Readonly<Record<string, T>> | null | undefined> {
  return (v, path) => {
    if (v === null || v === undefined) return "null";
    if (!isObject(v)) throw wrong(v, path, "an object");
    const keys = Object.keys(v).sort(compareUTF8);
    return "{" + keys.map((k) => encodeString(k) + ":" + elem(v[k] as T, `${path}.${k}`)).join(",") + "}";
  };
}
