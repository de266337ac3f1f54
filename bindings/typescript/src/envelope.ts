/**
 * The MIST message envelope, byte for byte as the Go package protocol.
 *
 * A message is one compact JSON object with its keys in this order:
 *
 * ```
 * {"version":"1","id":"<32 hex>","source":"matchspec","type":"infer.request",
 *  "timestamp_ns":1767225600000000000,"payload":{...},"checksum":3617221169}
 * ```
 *
 * `checksum` (CRC-32/IEEE of the payload bytes, a computed 0 stored as 1) is
 * left out when it is 0, which means absent. A whole message is at most
 * {@link MAX_MESSAGE_SIZE} (10 MiB) bytes. `timestamp_ns` is a bigint, read
 * from and written as the exact JSON integer (JSON.parse would round it).
 *
 * {@link newMessage} builds a message, {@link Message.marshalWithChecksum}
 * writes it, and {@link unmarshal} reads and checks one with the same rules,
 * in the same order, as Go's `protocol.Unmarshal`: every failure is a
 * {@link MistError} with code "protocol" whose `reason` is one of "size",
 * "json", "field_type", "missing_field", "timestamp", "version" or
 * "checksum", and whose `field` names the field at fault.
 *
 * The payload is kept as raw JSON bytes in the canonical form Go keeps:
 * compact, with `<`, `>`, `&`, U+2028 and U+2029 escaped, every other byte
 * (invalid UTF-8 included) as received.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { checksum } from "./checksum.js";
import { Code, MistError } from "./errors.js";
import {
  JSONSyntaxError,
  NotObjectError,
  bytesOf,
  compact,
  compactChecked,
  decodeString,
  decodeUTF8,
  encodeString,
  encodeValue,
  parseValue,
  scan,
} from "./json.js";
import { isPayloadType, payloadCodecs, type PayloadType, type PayloadTypes } from "./types.js";

/** The largest message, in bytes, that {@link unmarshal} accepts: 10,485,760. */
export const MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

export const CURRENT_VERSION = "1";
export const MIN_SUPPORTED_VERSION = "1";
export const MAX_SUPPORTED_VERSION = "1";

export const SOURCE_SCHEMA_FLUX = "schemaflux";
export const SOURCE_INFER_MUX = "infermux";
export const SOURCE_MATCH_SPEC = "matchspec";
export const SOURCE_TOKEN_TRACE = "tokentrace";

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const NULL = bytesOf("null");
const EMPTY = new Uint8Array(0);

function perr(reason: string, field: string, message: string, cause?: unknown): MistError {
  const meta: Record<string, string> = { reason };
  if (field) meta["field"] = field;
  return new MistError(Code.Protocol, message, { meta, cause });
}

/** The fields of a {@link Message}, for its constructor. */
export interface MessageInit {
  version?: string;
  id?: string;
  source?: string;
  type?: string;
  timestampNs?: bigint;
  payload?: Uint8Array | string;
  checksum?: number;
}

/**
 * One MIST message: a header and a raw JSON payload.
 *
 * `payload` holds the JSON bytes; an empty array means absent (written as
 * null). Use {@link Message.decode} or {@link Message.decodeAs} to read it.
 * Build messages with {@link newMessage} or {@link unmarshal}; a Message
 * built empty is not valid. A Message is plain data; only
 * {@link Message.computeChecksum} changes it.
 */
export class Message {
  version: string;
  id: string;
  source: string;
  type: string;
  timestampNs: bigint;
  payload: Uint8Array;
  checksum: number;

  constructor(init: MessageInit = {}) {
    this.version = init.version ?? "";
    this.id = init.id ?? "";
    this.source = init.source ?? "";
    this.type = init.type ?? "";
    this.timestampNs = init.timestampNs ?? 0n;
    const p = init.payload ?? EMPTY;
    this.payload = typeof p === "string" ? bytesOf(p) : p;
    this.checksum = init.checksum ?? 0;
  }

  /** A copy of this message (the payload bytes are shared; they are never changed in place). */
  clone(): Message {
    return new Message(this);
  }

  /**
   * Check, in this order, that version, id, source and type are not empty,
   * that timestampNs > 0, and that the payload is at most
   * {@link MAX_MESSAGE_SIZE} bytes, as Go's Validate.
   *
   * @throws MistError with code "protocol" naming the field.
   */
  validate(): void {
    for (const name of ["version", "id", "source", "type"] as const) {
      if (!this[name]) throw perr("missing_field", name, `message ${name} is missing`);
    }
    if (typeof this.timestampNs !== "bigint" || this.timestampNs <= 0n) {
      throw perr("timestamp", "timestamp_ns", `message timestamp_ns is ${String(this.timestampNs)}, want > 0`);
    }
    if (this.payload.length > MAX_MESSAGE_SIZE) {
      throw perr("size", "payload", `message payload is ${this.payload.length} bytes, over the limit of ${MAX_MESSAGE_SIZE}`);
    }
  }

  /** True when checksum is 0 (absent) or matches the payload bytes. */
  verifyChecksum(): boolean {
    return this.checksum === 0 || this.checksum === checksum(this.payload);
  }

  /** Store the payload in canonical form (when it is valid JSON) and set checksum to its checksum, as Go's ComputeChecksum. */
  computeChecksum(): void {
    if (this.payload.length > 0) {
      try {
        this.payload = compactChecked(this.payload);
      } catch (e) {
        if (!(e instanceof JSONSyntaxError)) throw e;
      }
    }
    this.checksum = checksum(this.payload);
  }

  /**
   * The compact JSON Go's Marshal writes: keys in order, checksum left out
   * when 0, payload compacted with <, >, & escaped. It does not compute the
   * checksum.
   *
   * @throws MistError with code "validation" when the payload is not valid
   * JSON or a field holds a value Go's Message could not.
   */
  marshal(): Uint8Array {
    let p = NULL;
    if (this.payload.length > 0) {
      try {
        p = compactChecked(this.payload);
      } catch (e) {
        throw new MistError(Code.Validation, `marshal ${this.type} message`, { cause: e });
      }
    }
    const ts = this.timestampNs;
    if (typeof ts !== "bigint" || ts < INT64_MIN || ts > INT64_MAX) {
      throw new MistError(Code.Validation, `marshal ${this.type} message: timestamp_ns ${String(ts)} is not an int64`);
    }
    const cs = this.checksum;
    if (!Number.isInteger(cs) || cs < 0 || cs > 0xffffffff) {
      throw new MistError(Code.Validation, `marshal ${this.type} message: checksum ${cs} is not a uint32`);
    }
    for (const name of ["version", "id", "source", "type"] as const) {
      if (typeof this[name] !== "string") {
        throw new MistError(Code.Validation, `marshal message: ${name} is not a string`);
      }
    }
    const head = bytesOf(
      `{"version":${encodeString(this.version)},"id":${encodeString(this.id)},"source":${encodeString(this.source)},` +
        `"type":${encodeString(this.type)},"timestamp_ns":${ts},"payload":`,
    );
    const tail = bytesOf(cs !== 0 ? `,"checksum":${cs}}` : "}");
    const out = new Uint8Array(head.length + p.length + tail.length);
    out.set(head, 0);
    out.set(p, head.length);
    out.set(tail, head.length + p.length);
    return out;
  }

  /** Like {@link Message.marshal}, with the checksum of the payload as written. The message is not changed. */
  marshalWithChecksum(): Uint8Array {
    const c = this.clone();
    c.computeChecksum();
    return c.marshal();
  }

  /** The payload as JSON text (invalid UTF-8 decoded as Go decodes it). */
  payloadText(): string {
    return decodeUTF8(this.payload);
  }

  /**
   * The payload as a JavaScript value (strings decoded as Go decodes them).
   *
   * @throws MistError with code "protocol" for an absent payload or a
   * number beyond the float64 range.
   */
  decode(): unknown {
    if (this.payload.length === 0) {
      throw new MistError(Code.Protocol, `decode ${this.type} payload: payload is empty`);
    }
    try {
      return parseValue(this.payload);
    } catch (e) {
      throw new MistError(Code.Protocol, `decode ${this.type} payload`, { cause: e });
    }
  }

  /**
   * The payload as the generated type of `type` (by default the message's
   * own type), checked as Go's DecodeAs checks it: an integer field needs an
   * integer literal, a null payload gives the zero value.
   *
   * @throws MistError with code "protocol" when the payload is absent, has
   * the wrong shape, or the type has no generated payload type.
   */
  decodeAs<K extends PayloadType>(type: K): PayloadTypes[K];
  decodeAs(): PayloadTypes[PayloadType];
  decodeAs(type: string = this.type): unknown {
    if (!isPayloadType(type)) {
      throw new MistError(Code.Protocol, `decode payload: no payload type for ${JSON.stringify(type)}`);
    }
    if (this.payload.length === 0) {
      throw new MistError(Code.Protocol, `decode ${this.type} payload: payload is empty`);
    }
    let v: unknown;
    try {
      v = parseValue(this.payload, true);
    } catch (e) {
      throw new MistError(Code.Protocol, `decode ${this.type} payload`, { cause: e });
    }
    try {
      return payloadCodecs[type].parse(v);
    } catch (e) {
      const meta = e instanceof MistError ? { ...e.meta } : {};
      throw new MistError(Code.Protocol, `decode ${this.type} payload`, { meta, cause: e });
    }
  }
}

/** Raw JSON text for {@link newMessage}, used as is (checked and compacted). */
export class RawJSON {
  readonly bytes: Uint8Array;
  constructor(text: string | Uint8Array) {
    this.bytes = typeof text === "string" ? bytesOf(text) : text;
  }
}

function newID(): string {
  return randomBytes(16).toString("hex");
}

// The wall clock at load time, advanced by the monotonic high-resolution
// clock: nanosecond resolution without float rounding.
const clockBase = BigInt(Date.now()) * 1_000_000n;
const hrBase = process.hrtime.bigint();

/** The current time in nanoseconds since the Unix epoch. */
export function nowNs(): bigint {
  return clockBase + (process.hrtime.bigint() - hrBase);
}

/**
 * A new message from source of the given type, with version
 * {@link CURRENT_VERSION}, a random 32-hex id and the current time in ns.
 *
 * The payload is encoded as Go's encoding/json encodes the matching Go
 * value: for the ten built-in types it is checked by the generated parser
 * and written exactly as Go writes the struct; {@link RawJSON} is used as
 * is (checked and compacted); anything else is written as Go writes the
 * matching map, slice or scalar (object keys sorted). The checksum is left
 * at 0; see {@link Message.marshalWithChecksum}. newMessage does not check
 * source or type.
 *
 * @throws MistError with code "validation" when the payload cannot be
 * encoded.
 */
export function newMessage<K extends PayloadType>(source: string, type: K, payload: PayloadTypes[K]): Message;
export function newMessage(source: string, type: string, payload: unknown): Message;
export function newMessage(source: string, type: string, payload: unknown): Message {
  let p: Uint8Array;
  try {
    if (payload instanceof RawJSON) {
      p = compactChecked(payload.bytes);
    } else if (isPayloadType(type)) {
      const codec = payloadCodecs[type];
      p = bytesOf(codec.encode(codec.parse(payload) as never));
    } else {
      p = bytesOf(encodeValue(payload));
    }
  } catch (e) {
    const meta = e instanceof MistError ? { ...e.meta } : {};
    throw new MistError(Code.Validation, `encode ${type} payload`, { meta, cause: e });
  }
  return new Message({
    version: CURRENT_VERSION,
    id: newID(),
    source,
    type,
    timestampNs: nowNs(),
    payload: p,
  });
}

type Fields = Map<string, [number, number]>;

function stringField(d: Uint8Array, f: Fields, name: string): string {
  const r = f.get(name);
  if (r === undefined || isNull(d, r)) return "";
  if (d[r[0]] !== 0x22) {
    throw perr("field_type", name, `message ${name} has the wrong json type or range: ${decodeUTF8(d, r[0], r[1])}`);
  }
  return decodeString(d, r[0], r[1]);
}

function isNull(d: Uint8Array, r: [number, number]): boolean {
  return r[1] - r[0] === 4 && d[r[0]] === 0x6e;
}

function intField(d: Uint8Array, f: Fields, name: string, lo: bigint, hi: bigint): bigint {
  const r = f.get(name);
  if (r === undefined || isNull(d, r)) return 0n;
  const text = decodeUTF8(d, r[0], r[1]);
  // Go's strconv.ParseInt/ParseUint: digits with an optional "-" (none for unsigned).
  const ok = lo < 0n ? /^-?[0-9]+$/.test(text) : /^[0-9]+$/.test(text);
  const v = ok ? BigInt(text) : undefined;
  if (v === undefined || v < lo || v > hi) {
    throw perr("field_type", name, `message ${name} has the wrong json type or range: ${text}`);
  }
  return v;
}

/**
 * Read one message and check it, as Go's protocol.Unmarshal does, in this
 * order: the size limit (before parsing), the JSON object (keys matched
 * case-sensitively, unknown keys ignored, the last of duplicate keys
 * wins), the field types, {@link Message.validate}, {@link checkVersion},
 * and the checksum when it is not 0. The payload is then stored in
 * canonical form; when that changes its bytes and a checksum was present,
 * the checksum is recomputed for the stored bytes.
 *
 * A string is read as its UTF-8 bytes.
 *
 * @throws MistError with code "protocol", `meta.reason` and `meta.field`
 * as documented in the module.
 */
export function unmarshal(data: Uint8Array | string): Message {
  const d = typeof data === "string" ? bytesOf(data) : data;
  if (d.length > MAX_MESSAGE_SIZE) {
    throw perr("size", "", `message is ${d.length} bytes, over the limit of ${MAX_MESSAGE_SIZE}`);
  }
  let members;
  try {
    members = scan(d, true);
  } catch (e) {
    if (e instanceof NotObjectError) throw perr("json", "", "message is not a json object");
    if (e instanceof JSONSyntaxError) throw perr("json", "", "message is not valid json", e);
    throw e;
  }
  const f: Fields = new Map();
  for (const m of members) f.set(decodeString(d, m.keyStart, m.keyEnd), [m.start, m.end]);
  const msg = new Message();
  msg.version = stringField(d, f, "version");
  msg.id = stringField(d, f, "id");
  msg.source = stringField(d, f, "source");
  msg.type = stringField(d, f, "type");
  msg.timestampNs = intField(d, f, "timestamp_ns", INT64_MIN, INT64_MAX);
  msg.checksum = Number(intField(d, f, "checksum", 0n, 0xffffffffn));
  const p = f.get("payload");
  msg.payload = p === undefined ? EMPTY : d.slice(p[0], p[1]);
  msg.validate();
  checkVersion(msg.version);
  if (!msg.verifyChecksum()) {
    throw perr("checksum", "checksum", `message checksum ${msg.checksum} does not match payload checksum ${checksum(msg.payload)}`);
  }
  if (msg.payload.length > 0) {
    const c = compact(msg.payload);
    if (c !== msg.payload) {
      msg.payload = c;
      if (msg.checksum !== 0) msg.checksum = checksum(c);
    }
  }
  return msg;
}

// --- versions ----------------------------------------------------------------

// Go's unicode.IsSpace, which strings.TrimSpace trims.
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const UINT64_MAX = (1n << 64n) - 1n;

function trimSpace(s: string): string {
  return s.replace(GO_SPACE, "");
}

/** [value, too big for uint64, ok]: ASCII digits after trimming spaces. */
function parseVersion(s: string): [bigint, boolean, boolean] {
  s = trimSpace(s);
  if (s === "" || !/^[0-9]+$/.test(s)) return [0n, false, false];
  const v = BigInt(s);
  if (v > UINT64_MAX) return [UINT64_MAX, true, true];
  return [v, false, true];
}

function verr(field: string, message: string): MistError {
  return perr("version", field, message);
}

/**
 * Check that this package reads messages of the given version: a decimal
 * integer (ASCII digits) after trimming spaces, between
 * {@link MIN_SUPPORTED_VERSION} and {@link MAX_SUPPORTED_VERSION}.
 *
 * @throws MistError with code "protocol" and reason "version": empty, not
 * an integer, "too old" or "too new".
 */
export function checkVersion(version: string): void {
  const lo = BigInt(MIN_SUPPORTED_VERSION);
  const hi = BigInt(MAX_SUPPORTED_VERSION);
  if (typeof version !== "string") throw verr("version", "message version is not a string");
  if (trimSpace(version) === "") throw verr("version", "message version is empty");
  const [v, , ok] = parseVersion(version);
  const q = encodeString(version);
  if (!ok) throw verr("version", `message version ${q} is not a decimal integer`);
  if (v < lo) throw verr("version", `message version ${q} is too old: supported versions are ${lo}-${hi}`);
  if (v > hi) throw verr("version", `message version ${q} is too new: supported versions are ${lo}-${hi}`);
}

/** Whether {@link checkVersion} accepts version. */
export function isCompatible(version: string): boolean {
  try {
    checkVersion(version);
    return true;
  } catch {
    return false;
  }
}

function parseRange(side: string, s: string): [bigint, bigint] {
  const i = s.indexOf("-");
  const a = i < 0 ? s : s.slice(0, i);
  const b = i < 0 ? s : s.slice(i + 1);
  const [lo, bigLo, okLo] = parseVersion(a);
  const [hi, bigHi, okHi] = parseVersion(b);
  const q = encodeString(s);
  if (!okLo || !okHi) throw verr("", `negotiate version: ${side} ${q} is not a version or min-max range`);
  if (bigLo || bigHi) throw verr("", `negotiate version: ${side} ${q} is out of range`);
  if (lo > hi) throw verr("", `negotiate version: ${side} ${q} has min > max`);
  return [lo, hi];
}

/**
 * The highest version both sides support, as a decimal string. Each side
 * is "N" or an inclusive range "min-max", e.g. `negotiateVersion("1-3",
 * "2-5")` is "3".
 *
 * @throws MistError with code "protocol" when a side does not parse, has
 * min > max, or the ranges do not overlap.
 */
export function negotiateVersion(local: string, remote: string): string {
  const [llo, lhi] = parseRange("local", local);
  const [rlo, rhi] = parseRange("remote", remote);
  const lo = llo > rlo ? llo : rlo;
  const hi = lhi < rhi ? lhi : rhi;
  if (lo > hi) {
    throw verr("", `negotiate version: local ${encodeString(local)} and remote ${encodeString(remote)} have no version in common`);
  }
  return hi.toString();
}

/** "MIST protocol version 1", plus " (supports <min>-<max>)" when more than one version is read. */
export function versionInfo(): string {
  let s = "MIST protocol version " + CURRENT_VERSION;
  if (MIN_SUPPORTED_VERSION !== MAX_SUPPORTED_VERSION) s += ` (supports ${MIN_SUPPORTED_VERSION}-${MAX_SUPPORTED_VERSION})`;
  return s;
}
