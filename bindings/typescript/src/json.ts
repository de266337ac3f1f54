/**
 * JSON exactly as Go's encoding/json reads and writes it, over bytes.
 *
 * The envelope must give the same verdicts and bytes as the Go package
 * protocol, so this module does not use JSON.parse or JSON.stringify where
 * they differ from Go:
 *
 * - {@link scan} accepts exactly what Go's scanner accepts (at most 10000
 *   levels of nesting, no trailing data) and returns the raw byte ranges of
 *   the members of a top-level object;
 * - {@link decodeString} turns a string literal into text as Go does:
 *   invalid UTF-8 and unpaired surrogate escapes become U+FFFD, one per
 *   byte;
 * - {@link compact} removes whitespace outside strings and escapes `<`,
 *   `>`, `&`, U+2028 and U+2029, as Go writes a json.RawMessage;
 * - {@link encodeString}, {@link formatFloat} and {@link encodeValue} write
 *   values as Go's encoding/json does (map keys sorted by their UTF-8
 *   bytes, floats in Go's format).
 *
 * @module
 */

/** Go's scanner rejects JSON nested deeper than this. */
export const MAX_DEPTH = 10000;

/** The input is not valid JSON (Go: *json.SyntaxError). */
export class JSONSyntaxError extends Error {
  override name = "JSONSyntaxError";
}

/** The input is valid JSON but not an object (Go: *json.UnmarshalTypeError). */
export class NotObjectError extends Error {
  override name = "NotObjectError";
}

/** One member of a top-level object: the raw key literal and the value range. */
export interface Member {
  keyStart: number;
  keyEnd: number;
  start: number;
  end: number;
}

const utf8 = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The UTF-8 bytes of s (s must not hold lone surrogates to be exact). */
export function bytesOf(s: string): Uint8Array {
  return utf8.encode(s);
}

function isWS(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function skipWS(d: Uint8Array, i: number): number {
  while (i < d.length && isWS(d[i]!)) i++;
  return i;
}

function fail(d: Uint8Array, i: number, what: string): JSONSyntaxError {
  if (i >= d.length) return new JSONSyntaxError("unexpected end of JSON input");
  return new JSONSyntaxError(`invalid character ${JSON.stringify(String.fromCharCode(d[i]!))} ${what} at offset ${i}`);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Scan a string literal at d[i] (a quote); return the index after it. */
function scanString(d: Uint8Array, i: number): number {
  const n = d.length;
  i++;
  for (;;) {
    if (i >= n) throw fail(d, i, "");
    const c = d[i]!;
    if (c === 0x22) return i + 1;
    if (c < 0x20) throw fail(d, i, "in string literal");
    if (c === 0x5c) {
      const e = d[i + 1];
      if (e === undefined) throw fail(d, i + 1, "");
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) {
          const h = d[i + k];
          if (h === undefined) throw fail(d, i + k, "");
          if (!isHex(h)) throw fail(d, i + k, "in \\u hexadecimal character escape");
        }
        i += 6;
        continue;
      }
      if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
        continue;
      }
      throw fail(d, i + 1, "in string escape code");
    }
    i++;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Scan a number at d[i]; return the index after it. */
function scanNumber(d: Uint8Array, i: number): number {
  if (d[i] === 0x2d) i++;
  if (d[i] === 0x30) {
    i++;
  } else if (isDigit(d[i]) && d[i] !== 0x30) {
    while (isDigit(d[i])) i++;
  } else {
    throw fail(d, i, "in numeric literal");
  }
  if (d[i] === 0x2e) {
    i++;
    if (!isDigit(d[i])) throw fail(d, i, "after decimal point in numeric literal");
    while (isDigit(d[i])) i++;
  }
  if (d[i] === 0x65 || d[i] === 0x45) {
    i++;
    if (d[i] === 0x2b || d[i] === 0x2d) i++;
    if (!isDigit(d[i])) throw fail(d, i, "in exponent of numeric literal");
    while (isDigit(d[i])) i++;
  }
  return i;
}

function scanLiteral(d: Uint8Array, i: number, lit: string): number {
  for (let k = 0; k < lit.length; k++) {
    if (d[i + k] !== lit.charCodeAt(k)) throw fail(d, i + k, "in literal " + lit);
  }
  return i + lit.length;
}

/**
 * Check that d holds one JSON value, as Go's scanner does. With
 * members = true, d must be an object: its members are returned in order,
 * and any other valid value (null included) throws NotObjectError.
 *
 * @throws JSONSyntaxError for invalid JSON.
 */
export function scan(d: Uint8Array, members = false): Member[] {
  const n = d.length;
  let i = skipWS(d, 0);
  if (i >= n) throw new JSONSyntaxError("unexpected end of JSON input");
  const top = members ? ([] as Member[]) : undefined;
  if (members && d[i] !== 0x7b) {
    scanFrom(d, i, undefined);
    throw new NotObjectError("not a JSON object");
  }
  scanFrom(d, i, top);
  return top ?? [];
}

function scanFrom(d: Uint8Array, i: number, top: Member[] | undefined): void {
  const n = d.length;
  const stack: number[] = [];
  let keyStart = -1;
  let keyEnd = -1;
  let start = -1;
  const readKey = (): void => {
    if (d[i] !== 0x22) throw fail(d, i, "looking for beginning of object key string");
    const ks = i;
    i = scanString(d, i);
    if (stack.length === 1) {
      keyStart = ks;
      keyEnd = i;
    }
    i = skipWS(d, i);
    if (d[i] !== 0x3a) throw fail(d, i, "after object key");
    i = skipWS(d, i + 1);
  };
  for (;;) {
    // One value at i.
    if (i >= n) throw fail(d, i, "");
    if (top && stack.length === 1) start = i;
    const c = d[i]!;
    let scalar = true;
    if (c === 0x7b || c === 0x5b) {
      stack.push(c);
      if (stack.length > MAX_DEPTH) throw new JSONSyntaxError(`exceeded max depth at offset ${i}`);
      i = skipWS(d, i + 1);
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (d[i] === close) {
        stack.pop();
        i++;
      } else {
        if (c === 0x7b) readKey();
        scalar = false;
      }
    } else if (c === 0x22) {
      i = scanString(d, i);
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i = scanNumber(d, i);
    } else if (c === 0x74) {
      i = scanLiteral(d, i, "true");
    } else if (c === 0x66) {
      i = scanLiteral(d, i, "false");
    } else if (c === 0x6e) {
      i = scanLiteral(d, i, "null");
    } else {
      throw fail(d, i, "looking for beginning of value");
    }
    if (!scalar) continue;
    // After a value: close containers or move to the next element.
    for (;;) {
      if (top && stack.length === 1 && start >= 0) {
        top.push({ keyStart, keyEnd, start, end: i });
        start = -1;
      }
      i = skipWS(d, i);
      if (stack.length === 0) {
        if (i !== n) throw fail(d, i, "after top-level value");
        return;
      }
      if (i >= n) throw new JSONSyntaxError("unexpected end of JSON input");
      const k = d[i]!;
      if (stack[stack.length - 1] === 0x7b) {
        if (k === 0x2c) {
          i = skipWS(d, i + 1);
          readKey();
          break;
        }
        if (k === 0x7d) {
          stack.pop();
          i++;
          continue;
        }
        throw fail(d, i, "after object key:value pair");
      }
      if (k === 0x2c) {
        i = skipWS(d, i + 1);
        break;
      }
      if (k === 0x5d) {
        stack.pop();
        i++;
        continue;
      }
      throw fail(d, i, "after array element");
    }
  }
}

/** Reports whether d is one valid JSON value, as Go's json.Valid. */
export function valid(d: Uint8Array): boolean {
  try {
    scan(d);
    return true;
  } catch (e) {
    if (e instanceof JSONSyntaxError) return false;
    throw e;
  }
}

// --- strings -----------------------------------------------------------------

function isCont(c: number | undefined): boolean {
  return c !== undefined && (c & 0xc0) === 0x80;
}

/** The length of the valid UTF-8 sequence at d[i], or 0 if there is none. */
function seqLen(d: Uint8Array, i: number, end: number): number {
  const c = d[i]!;
  if (c < 0x80) return 1;
  const n1 = i + 1 < end ? d[i + 1] : undefined;
  const n2 = i + 2 < end ? d[i + 2] : undefined;
  const n3 = i + 3 < end ? d[i + 3] : undefined;
  if (c >= 0xc2 && c <= 0xdf) return isCont(n1) ? 2 : 0;
  if (c === 0xe0) return n1 !== undefined && n1 >= 0xa0 && n1 <= 0xbf && isCont(n2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return isCont(n1) && isCont(n2) ? 3 : 0;
  if (c === 0xed) return n1 !== undefined && n1 >= 0x80 && n1 <= 0x9f && isCont(n2) ? 3 : 0;
  if (c === 0xf0) return n1 !== undefined && n1 >= 0x90 && n1 <= 0xbf && isCont(n2) && isCont(n3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return isCont(n1) && isCont(n2) && isCont(n3) ? 4 : 0;
  if (c === 0xf4) return n1 !== undefined && n1 >= 0x80 && n1 <= 0x8f && isCont(n2) && isCont(n3) ? 4 : 0;
  return 0;
}

/** Decode d[start:end] as UTF-8 the way Go does: each byte of an invalid sequence is U+FFFD. */
export function decodeUTF8(d: Uint8Array, start = 0, end = d.length): string {
  const sub = d.subarray(start, end);
  try {
    return strictDecoder.decode(sub);
  } catch {
    // fall through to the byte-by-byte decoder
  }
  const parts: string[] = [];
  let i = start;
  let run = start;
  while (i < end) {
    const k = seqLen(d, i, end);
    if (k > 0) {
      i += k;
      continue;
    }
    if (run < i) parts.push(strictDecoder.decode(d.subarray(run, i)));
    parts.push("\ufffd");
    i++;
    run = i;
  }
  if (run < end) parts.push(strictDecoder.decode(d.subarray(run, end)));
  return parts.join("");
}

function hex4(d: Uint8Array, i: number): number {
  let r = 0;
  for (let k = 0; k < 4; k++) {
    const c = d[i + k]!;
    r = r * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10);
  }
  return r;
}

const SIMPLE: Record<number, string> = {
  0x22: '"', 0x5c: "\\", 0x2f: "/", 0x62: "\b", 0x66: "\f", 0x6e: "\n", 0x72: "\r", 0x74: "\t",
};

/** Decode the string literal d[start:end] (quotes included) that the scanner accepted. */
export function decodeString(d: Uint8Array, start: number, end: number): string {
  const s = start + 1;
  const e = end - 1;
  const body = d.subarray(s, e);
  const next = (from: number): number => {
    const k = body.indexOf(0x5c, from - s);
    return k < 0 ? -1 : k + s;
  };
  let j = next(s);
  if (j < 0) return decodeUTF8(d, s, e);
  const parts: string[] = [];
  let i = s;
  for (;;) {
    if (j < 0) {
      parts.push(decodeUTF8(d, i, e));
      break;
    }
    if (i < j) parts.push(decodeUTF8(d, i, j));
    const c = d[j + 1]!;
    if (c !== 0x75) {
      parts.push(SIMPLE[c]!);
      i = j + 2;
    } else {
      let r = hex4(d, j + 2);
      i = j + 6;
      if (r >= 0xd800 && r < 0xe000) {
        if (r < 0xdc00 && i + 6 <= e && d[i] === 0x5c && d[i + 1] === 0x75) {
          const r2 = hex4(d, i + 2);
          if (r2 >= 0xdc00 && r2 < 0xe000) {
            parts.push(String.fromCharCode(r, r2));
            i += 6;
            j = next(i);
            continue;
          }
        }
        r = 0xfffd;
      }
      parts.push(String.fromCharCode(r));
    }
    j = next(i);
  }
  return parts.join("");
}

const ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ESCAPES: Record<string, string> = {
  '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
};

function escapeChar(c: string): string {
  const e = ESCAPES[c];
  if (e !== undefined) return e;
  const o = c.charCodeAt(0);
  if (o >= 0xd800 && o < 0xe000) return "\\ufffd"; // a lone surrogate: Go writes \ufffd for invalid UTF-8
  return "\\u" + o.toString(16).padStart(4, "0");
}

/** s as Go's encoding/json writes a string (HTML-safe), as JSON text. */
export function encodeString(s: string): string {
  return '"' + s.replace(ESCAPE, escapeChar) + '"';
}

// --- compact -----------------------------------------------------------------

/**
 * Valid JSON d as Go writes a json.RawMessage: whitespace outside strings
 * removed, <, >, &, U+2028 and U+2029 escaped, every other byte (invalid
 * UTF-8 included) kept. d must be valid; see {@link compactChecked}.
 * Returns d itself when nothing changes.
 */
export function compact(d: Uint8Array): Uint8Array {
  const n = d.length;
  let ws = 0;
  let specials = 0;
  for (let i = 0; i < n; i++) {
    const c = d[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) ws++;
    else if (c === 0x3c || c === 0x3e || c === 0x26) specials++;
    else if (c === 0xe2 && d[i + 1] === 0x80 && (d[i + 2] === 0xa8 || d[i + 2] === 0xa9)) specials++;
  }
  if (ws === 0 && specials === 0) return d;
  const out = new Uint8Array(n + 5 * specials);
  let w = 0;
  let inString = false;
  const HEX = "0123456789abcdef";
  for (let i = 0; i < n; i++) {
    const c = d[i]!;
    if (c === 0x3c || c === 0x3e || c === 0x26) {
      out[w++] = 0x5c;
      out[w++] = 0x75;
      out[w++] = 0x30;
      out[w++] = 0x30;
      out[w++] = HEX.charCodeAt(c >> 4);
      out[w++] = HEX.charCodeAt(c & 0xf);
      continue;
    }
    if (c === 0xe2 && i + 2 < n && d[i + 1] === 0x80 && (d[i + 2]! & ~1) === 0xa8) {
      out[w++] = 0x5c;
      out[w++] = 0x75;
      out[w++] = 0x32;
      out[w++] = 0x30;
      out[w++] = 0x32;
      out[w++] = HEX.charCodeAt(d[i + 2]! & 0xf);
      i += 2;
      continue;
    }
    if (inString) {
      out[w++] = c;
      if (c === 0x5c) {
        out[w++] = d[++i]!;
      } else if (c === 0x22) {
        inString = false;
      }
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c === 0x22) inString = true;
    out[w++] = c;
  }
  return out.slice(0, w);
}

/** {@link compact}, after checking that d is valid JSON. @throws JSONSyntaxError */
export function compactChecked(d: Uint8Array): Uint8Array {
  scan(d);
  return compact(d);
}

// --- numbers -----------------------------------------------------------------

/** Shortest digits of |f| (f finite, non-zero) and the decimal point position: |f| = 0.digits × 10^point. */
function shortest(f: number): [string, number] {
  let r = Math.abs(f).toString();
  let exp = 0;
  const e = r.indexOf("e");
  if (e >= 0) {
    exp = Number(r.slice(e + 1));
    r = r.slice(0, e);
  }
  const dot = r.indexOf(".");
  const ip = dot >= 0 ? r.slice(0, dot) : r;
  const fp = dot >= 0 ? r.slice(dot + 1) : "";
  const all = ip + fp;
  const stripped = all.replace(/^0+/, "");
  const point = ip.length + exp - (all.length - stripped.length);
  const digits = stripped.replace(/0+$/, "") || "0";
  return [digits, point];
}

const F32_LOW = Math.fround(1e-6);
const F32_HIGH = Math.fround(1e21);

/**
 * f as Go's encoding/json writes a float64 (or, with bits 32, a float32):
 * the shortest digits that read back as the value, in plain decimal for
 * 1e-6 <= |f| < 1e21 (those bounds as float32 for a float32) and in
 * exponent form otherwise, with "e-07" written "e-7".
 *
 * @throws RangeError for NaN and infinities, which Go refuses too.
 */
export function formatFloat(f: number, bits: 32 | 64 = 64): string {
  if (!Number.isFinite(f)) throw new RangeError(`json: unsupported value: ${f}`);
  if (bits === 32) f = Math.fround(f);
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [digits, point] = bits === 32 ? shortest32(f) : shortest(f);
  const [low, high] = bits === 32 ? [F32_LOW, F32_HIGH] : [1e-6, 1e21];
  const sign = f < 0 ? "-" : "";
  const a = Math.abs(f);
  if (a < low || a >= high) {
    const exp = point - 1;
    const mant = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "");
    const ed = String(Math.abs(exp));
    if (exp < 0) return sign + mant + "e-" + ed;
    return sign + mant + "e+" + (ed.length < 2 ? "0" + ed : ed);
  }
  const n = digits.length;
  if (point <= 0) return sign + "0." + "0".repeat(-point) + digits;
  if (point >= n) return sign + digits + "0".repeat(point - n);
  return sign + digits.slice(0, point) + "." + digits.slice(point);
}

function shortest32(f: number): [string, number] {
  for (let p = 1; p <= 9; p++) {
    const s = f.toExponential(p - 1);
    if (Math.fround(Number(s)) === f) return shortest(Number(s));
  }
  return shortest(f);
}

/** A number literal kept as text, so that typed parsers can tell 1 from 1.0 as Go does. */
export class JSONNumber {
  constructor(readonly text: string) {}
  /** Whether the literal is an integer literal (no fraction or exponent). */
  get isInteger(): boolean {
    return /^-?[0-9]+$/.test(this.text);
  }
  valueOf(): number {
    return Number(this.text);
  }
}

// --- values ------------------------------------------------------------------

/** Set o[k] = v as an own property, even for the key "__proto__". */
export function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__") {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  } else {
    o[k] = v;
  }
}

/**
 * The members of an object decoded by {@link parseValue} in literal mode,
 * in input order, repeated keys included: Go assigns struct fields key by
 * key, so with repeated keys the last matching one wins.
 */
export const PAIRS: unique symbol = Symbol("mist.pairs");

/** An object decoded by {@link parseValue} in literal mode. */
export type LiteralObject = Record<string, unknown> & { [PAIRS]?: [string, unknown][] };

function newObject(literal: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (literal) Object.defineProperty(o, PAIRS, { value: [], enumerable: false });
  return o;
}

/**
 * Decode valid JSON d into JavaScript values as Go decodes into any:
 * strings as Go decodes them, the last of duplicate keys kept.
 *
 * With literal = false numbers are numbers, and a number beyond the
 * float64 range throws RangeError (Go refuses it too). With literal = true
 * (for the typed parsers, which check each number against the Go type of
 * the field it lands in, as Go does) numbers are {@link JSONNumber}s, never
 * checked here, and objects keep their members in order under
 * {@link PAIRS}.
 *
 * @throws JSONSyntaxError for invalid JSON.
 */
export function parseValue(d: Uint8Array, literal = false): unknown {
  scan(d);
  const n = d.length;
  const stack: (unknown[] | LiteralObject)[] = [];
  const keys: string[] = [];
  let i = skipWS(d, 0);
  const key = (): void => {
    const ks = i;
    i = scanString(d, i);
    keys[keys.length - 1] = decodeString(d, ks, i);
    i = skipWS(d, skipWS(d, i) + 1);
  };
  for (;;) {
    let v: unknown;
    const c = d[i]!;
    if (c === 0x7b || c === 0x5b) {
      i = skipWS(d, i + 1);
      if (d[i] === 0x7d || d[i] === 0x5d) {
        v = c === 0x7b ? newObject(literal) : [];
        i++;
      } else {
        stack.push(c === 0x7b ? newObject(literal) : []);
        keys.push("");
        if (c === 0x7b) key();
        continue;
      }
    } else if (c === 0x22) {
      const s = i;
      i = scanString(d, i);
      v = decodeString(d, s, i);
    } else if (c === 0x74) {
      v = true;
      i += 4;
    } else if (c === 0x66) {
      v = false;
      i += 5;
    } else if (c === 0x6e) {
      v = null;
      i += 4;
    } else {
      const s = i;
      i = scanNumber(d, i);
      const text = decodeUTF8(d, s, i);
      if (literal) {
        v = new JSONNumber(text);
      } else {
        const f = Number(text);
        if (!Number.isFinite(f)) throw new RangeError(`json: number ${text} is out of the float64 range`);
        v = f;
      }
    }
    for (;;) {
      i = skipWS(d, i);
      const top = stack[stack.length - 1];
      if (top === undefined) return v;
      if (Array.isArray(top)) {
        top.push(v);
      } else {
        const k = keys[keys.length - 1]!;
        setKey(top, k, v);
        top[PAIRS]?.push([k, v]);
      }
      if (i < n && d[i] === 0x2c) {
        i = skipWS(d, i + 1);
        if (!Array.isArray(top)) key();
        break;
      }
      v = stack.pop();
      keys.pop();
      i++;
    }
  }
}

/** Compare strings by their UTF-8 bytes, as Go sorts map keys. */
export function compareUTF8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000..U+FFFF in UTF-8.
    const xs = x >= 0xd800 && x < 0xe000;
    const ys = y >= 0xd800 && y < 0xe000;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * v as Go's encoding/json writes the matching Go value: plain objects as
 * maps (keys sorted by UTF-8 bytes; undefined members left out), arrays as
 * slices, null and undefined as null, numbers in Go's float format,
 * bigints as integers, and a {@link JSONNumber} as the float64 it reads as.
 *
 * @throws TypeError or RangeError naming path for values Go could not hold.
 */
export function encodeValue(v: unknown, path = "payload"): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "string":
      return encodeString(v);
    case "number":
      if (!Number.isFinite(v)) throw new RangeError(`${path}: unsupported value ${v}`);
      return formatFloat(v);
    case "bigint":
      return v.toString();
    default:
  }
  if (v instanceof JSONNumber) return formatFloat(Number(v.text));
  if (Array.isArray(v)) {
    return "[" + v.map((e, i) => encodeValue(e, `${path}[${i}]`)).join(",") + "]";
  }
  if (isPlainObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort(compareUTF8);
    return "{" + keys.map((k) => encodeString(k) + ":" + encodeValue(v[k], `${path}.${k}`)).join(",") + "}";
  }
  throw new TypeError(`${path}: cannot encode ${Object.prototype.toString.call(v)} as JSON`);
}
