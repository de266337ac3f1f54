import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CURRENT_VERSION,
  MAX_MESSAGE_SIZE,
  Message,
  MistError,
  RawJSON,
  SOURCE_MATCH_SPEC,
  TYPE_HEALTH_PING,
  TYPE_HEALTH_PONG,
  TYPE_INFER_REQUEST,
  checkVersion,
  checksum,
  crc32,
  isCompatible,
  negotiateVersion,
  newMessage,
  nowNs,
  unmarshal,
  versionInfo,
  type MessageInit,
} from "../index.js";
import { bytes, text, u8 } from "./support.js";

const HEADER = '{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":1';

function msg(init: MessageInit = {}): Message {
  return new Message({ version: "1", id: "a", source: "s", type: "health.ping", timestampNs: 1n, payload: '{"from":"x"}', ...init });
}

function rejects(fn: () => unknown, code: string, reason?: string, field?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MistError, String(e));
    assert.equal(e.code, code, e.toString());
    if (reason !== undefined) assert.equal(e.reason, reason, e.toString());
    if (field !== undefined) assert.equal(e.field, field, e.toString());
    return true;
  });
}

test("newMessage fills in the header", () => {
  const before = nowNs();
  const m = newMessage(SOURCE_MATCH_SPEC, TYPE_HEALTH_PING, { from: "matchspec" });
  assert.equal(m.version, CURRENT_VERSION);
  assert.match(m.id, /^[0-9a-f]{32}$/);
  assert.equal(m.source, "matchspec");
  assert.equal(m.type, "health.ping");
  assert.equal(typeof m.timestampNs, "bigint");
  assert.ok(m.timestampNs >= before && m.timestampNs <= nowNs());
  const wall = BigInt(Date.now()) * 1_000_000n;
  assert.ok(m.timestampNs > wall - 60_000_000_000n && m.timestampNs < wall + 60_000_000_000n, "ns since the Unix epoch");
  assert.equal(text(m.payload), '{"from":"matchspec"}');
  assert.equal(m.checksum, 0);
  m.validate();
  const ids = new Set(Array.from({ length: 100 }, () => newMessage("s", "t", null).id));
  assert.equal(ids.size, 100);
});

test("newMessage writes payloads as Go's encoding/json", () => {
  const tests: [string, unknown, string][] = [
    // a built-in type: checked, and written as Go writes the struct
    [TYPE_INFER_REQUEST, { model: "auto", params: { b: 1, a: 2.5 } }, '{"model":"auto","messages":null,"params":{"a":2.5,"b":1}}'],
    [TYPE_HEALTH_PONG, { uptime_s: 3, from: "x", extra: 1 }, '{"from":"x","version":"","uptime_s":3}'],
    [TYPE_HEALTH_PONG, { uptime_s: 9223372036854775807n }, '{"from":"","version":"","uptime_s":9223372036854775807}'],
    // anything else: as Go writes a map (keys sorted), slice or scalar
    ["custom", { b: [1, 2.0, null, true], a: "<&>" }, '{"a":"\\u003c\\u0026\\u003e","b":[1,2,null,true]}'],
    ["custom", null, "null"],
    ["custom", 1e21, "1e+21"],
    // RawJSON: checked and compacted
    ["custom", new RawJSON(' { "z" : [ 1 , "<" ] } '), '{"z":[1,"\\u003c"]}'],
  ];
  for (const [type, payload, want] of tests) assert.equal(text(newMessage("s", type, payload).payload), want);
});

test("newMessage refuses payloads Go could not encode", () => {
  const tests: [string, unknown][] = [
    ["custom", NaN],
    ["custom", { a: Infinity }],
    ["custom", new Map()],
    ["custom", new RawJSON("{not json")],
    [TYPE_HEALTH_PONG, { uptime_s: "3" }],
    [TYPE_HEALTH_PONG, { uptime_s: 2n ** 63n }],
    [TYPE_INFER_REQUEST, { messages: [{ role: 1 }] }],
  ];
  for (const [type, payload] of tests) rejects(() => newMessage("s", type, payload), "validation");
  rejects(() => newMessage("s", TYPE_INFER_REQUEST, { messages: [{ role: 1 }] }), "validation", undefined,
    "InferRequest.messages[0].role");
});

test("validate checks Go's fields in Go's order", () => {
  const big = new Uint8Array(MAX_MESSAGE_SIZE + 1);
  const tests: [MessageInit, string, string][] = [
    [{ version: "", id: "", source: "", type: "", timestampNs: 0n }, "missing_field", "version"],
    [{ id: "", source: "", type: "", timestampNs: 0n }, "missing_field", "id"],
    [{ source: "", type: "", timestampNs: 0n }, "missing_field", "source"],
    [{ type: "", timestampNs: 0n }, "missing_field", "type"],
    [{ timestampNs: 0n, payload: big }, "timestamp", "timestamp_ns"],
    [{ timestampNs: -5n }, "timestamp", "timestamp_ns"],
    [{ payload: big }, "size", "payload"],
  ];
  for (const [init, reason, field] of tests) rejects(() => msg(init).validate(), "protocol", reason, field);
  for (const init of [{}, { payload: "" }, { payload: "null" }, { version: "99", id: "not hex", checksum: 7 }]) {
    msg(init).validate(); // neither the version, the id format nor the checksum
  }
});

test("marshal writes Go's canonical bytes", () => {
  assert.equal(text(msg().marshal()), HEADER + ',"payload":{"from":"x"}}');
  assert.equal(text(msg({ checksum: 5 }).marshal()), HEADER + ',"payload":{"from":"x"},"checksum":5}');
  assert.equal(text(msg({ payload: "" }).marshal()), HEADER + ',"payload":null}');
  assert.equal(text(msg({ payload: ' { "from" : "<x>" } ' }).marshal()), HEADER + ',"payload":{"from":"\\u003cx\\u003e"}}');
  const tests: [string, string][] = [
    ["<a & b>", '"\\u003ca \\u0026 b\\u003e"'],
    ["\u2028\u2029", '"\\u2028\\u2029"'],
    ['q"b\\', '"q\\"b\\\\"'],
    ["\b\f\n\r\t\x00\x1f\x7f", '"\\b\\f\\n\\r\\t\\u0000\\u001f\x7f"'],
    ["é😀\ufffd", '"é😀\ufffd"'],
    ["\ud800x", '"\\ufffdx"'],
  ];
  for (const [source, want] of tests) assert.ok(text(msg({ source }).marshal()).includes(`"source":${want},`), source);
  const max = msg({ timestampNs: 9223372036854775807n }).marshal();
  assert.ok(text(max).includes('"timestamp_ns":9223372036854775807,'), "timestamp_ns is exact");
  for (const init of [{ payload: "{oops" }, { timestampNs: 1n << 63n }, { checksum: -1 }, { checksum: 2 ** 32 }, { checksum: 1.5 }]) {
    rejects(() => msg(init).marshal(), "validation");
  }
});

test("checksums", () => {
  const m = msg({ payload: ' {"from" : "x"}' });
  const data = m.marshalWithChecksum();
  assert.equal(text(m.payload), ' {"from" : "x"}', "marshalWithChecksum leaves the message");
  assert.equal(m.checksum, 0);
  const got = unmarshal(data);
  assert.equal(text(got.payload), '{"from":"x"}');
  assert.equal(got.checksum, checksum(bytes('{"from":"x"}')));
  m.computeChecksum();
  assert.equal(text(m.payload), '{"from":"x"}');
  assert.equal(m.checksum, crc32(bytes('{"from":"x"}')));
  assert.ok(m.verifyChecksum());
  const absent = msg({ payload: "" });
  absent.computeChecksum();
  assert.equal(absent.checksum, crc32(bytes("null")));
  assert.equal(crc32(bytes("123456789")), 0xcbf43926); // the CRC-32/IEEE check value
});

// Fixed on purpose: a payload whose CRC is 0 gets checksum 1 and verifies.
test("a payload whose CRC is 0 gets checksum 1", () => {
  const p = bytes('{"from":"crc32 is zero #19 KcXK"}');
  assert.equal(crc32(p), 0);
  assert.equal(checksum(p), 1);
  const m = msg({ payload: p });
  m.computeChecksum();
  assert.equal(m.checksum, 1);
  assert.ok(m.verifyChecksum());
  assert.equal(unmarshal(m.marshal()).checksum, 1);
});

test("unmarshal rejects with Go's reason classes, in Go's order", () => {
  const ok = ',"payload":{"from":"x"}}';
  const tests: [string | Uint8Array, string, string][] = [
    ["", "json", ""], ["  ", "json", ""], ["[]", "json", ""], ['"x"', "json", ""], ["null", "json", ""],
    ["{} {}", "json", ""], ['{"a":NaN}', "json", ""], ['{"a":01}', "json", ""], ['{"a":"\x01"}', "json", ""],
    ["{" + "[".repeat(10001) + "]".repeat(10001) + "}", "json", ""],
    ['{"version":1}', "field_type", "version"],
    ['{"version":"1","id":true}', "field_type", "id"],
    ['{"version":"1","source":{}}', "field_type", "source"],
    ['{"type":[]}', "field_type", "type"],
    ['{"timestamp_ns":1.0}', "field_type", "timestamp_ns"],
    ['{"timestamp_ns":1e3}', "field_type", "timestamp_ns"],
    ['{"timestamp_ns":9223372036854775808}', "field_type", "timestamp_ns"],
    ['{"checksum":-0}', "field_type", "checksum"],
    ['{"checksum":4294967296}', "field_type", "checksum"],
    ['{"version":1,"checksum":"x"}', "field_type", "version"],
    ["{}", "missing_field", "version"],
    ['{"version":null,"id":"a"}', "missing_field", "version"],
    ['{"version":"1","id":"a","source":"s","type":"t"}', "timestamp", "timestamp_ns"],
    ['{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":-0}', "timestamp", "timestamp_ns"],
    [HEADER.replace('"1"', '" "') + ok, "version", "version"],
    [HEADER.replace('"1"', '"0"') + ok, "version", "version"],
    // Fixed on purpose: version 99 is rejected.
    [HEADER.replace('"1"', '"99"') + ok, "version", "version"],
    [HEADER.replace('"1"', '"+1"') + ok, "version", "version"],
    [HEADER + ',"payload":{"from":"x"},"checksum":1}', "checksum", "checksum"],
    [new Uint8Array(MAX_MESSAGE_SIZE + 1).fill(0x20), "size", ""],
  ];
  for (const [data, reason, field] of tests) rejects(() => unmarshal(data), "protocol", reason, field);
});

// Fixed on purpose: a payload altered after checksumming is rejected, and
// timestamp_ns <= 0 is rejected.
test("altered payloads and non-positive timestamps are rejected", () => {
  const m = unmarshal(newMessage("s", "t", { a: 1 }).marshalWithChecksum());
  const altered = text(m.marshal()).replace('"a":1', '"a":2');
  rejects(() => unmarshal(altered), "protocol", "checksum");
  for (const ts of ["0", "-1"]) rejects(() => unmarshal(HEADER.slice(0, HEADER.lastIndexOf(":") + 1) + ts + "}"), "protocol", "timestamp");
});

test("unmarshal accepts what Go accepts, and keeps what Go keeps", () => {
  const tests: [Uint8Array, Uint8Array][] = [
    // unknown and differently-cased keys are ignored; the last duplicate wins
    [bytes('{"Version":"9","version":"0","version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"x":[{}]}'),
      bytes('{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":null}')],
    // escapes and invalid UTF-8 in header strings decode as in Go
    [Uint8Array.from([...bytes('{"version":" 1\\t","id":"\\u0061\\ud800","source":"'), 0xff, 0xe2, 0x82,
      ...bytes('","type":"\\/","timestamp_ns":9223372036854775807}')]),
      bytes('{"version":" 1\\t","id":"a\ufffd","source":"\ufffd\ufffd\ufffd","type":"/","timestamp_ns":9223372036854775807,"payload":null}')],
    // the payload keeps invalid UTF-8 and escapes as received
    [Uint8Array.from([...bytes('{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":["'), 0xff,
      ...bytes('","\\u00e9", 1.50E+3]}')]),
      Uint8Array.from([...bytes('{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":["'), 0xff,
      ...bytes('","\\u00e9",1.50E+3]}')])],
    // checksum 0 means absent
    [bytes('{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"checksum":0}'),
      bytes('{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":null}')],
    // 9999 levels of nesting inside the envelope are fine
    [bytes('{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":' + "[".repeat(9999) + "]".repeat(9999) + "}"),
      bytes('{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":' + "[".repeat(9999) + "]".repeat(9999) + "}")],
  ];
  for (const [data, want] of tests) assert.deepEqual(u8(unmarshal(data).marshal()), want, text(data).slice(0, 80));
  assert.equal(unmarshal(bytes(HEADER.replace(":1", ":9223372036854775807") + "}")).timestampNs, 9223372036854775807n);
  assert.equal(unmarshal('{"version":"1","id":"a","source":"é","type":"t","timestamp_ns":1}').source, "é");
});

test("decode and decodeAs", () => {
  const m = unmarshal(HEADER + ',"payload":{"from":"\\ud800<","n":1,"f":1.5}}');
  assert.deepEqual(m.decode(), { from: "\ufffd<", n: 1, f: 1.5 });
  assert.deepEqual(m.decodeAs(TYPE_HEALTH_PING), { from: "\ufffd<" });
  assert.deepEqual(m.decodeAs(), { from: "\ufffd<" });
  assert.deepEqual(unmarshal(HEADER + ',"payload":null}').decodeAs(TYPE_HEALTH_PING), { from: "" });
  rejects(() => unmarshal(HEADER + "}").decode(), "protocol");
  rejects(() => unmarshal(HEADER + "}").decodeAs(TYPE_HEALTH_PING), "protocol");
  for (const payload of ['{"from":1}', "[]", '{"from":["x"]}', '"x"']) {
    rejects(() => unmarshal(HEADER + ',"payload":' + payload + "}").decodeAs(), "protocol");
  }
  rejects(() => msg({ type: "custom" }).decodeAs(), "protocol");
  // A number no Go type holds fails decode (Go: into any), but not decodeAs
  // when it sits under a key no field takes (Go skips it).
  const junk = unmarshal(HEADER + ',"payload":{"from":"x","junk":[1e400,-1e999,' + "9".repeat(5000) + "]}}");
  assert.deepEqual(junk.decodeAs(TYPE_HEALTH_PING), { from: "x" });
  rejects(() => junk.decode(), "protocol");
  // Repeated keys: the last one matching the field wins, exact or not.
  assert.deepEqual(unmarshal(HEADER + ',"payload":{"from":"a","FROM":"b","from":"c"}}').decodeAs(TYPE_HEALTH_PING), { from: "c" });
  // 64-bit integers stay exact.
  const pong = unmarshal(HEADER.replace("health.ping", "health.pong") + ',"payload":{"uptime_s":9223372036854775807}}');
  assert.equal(pong.decodeAs(TYPE_HEALTH_PONG).uptime_s, 9223372036854775807n);
});

test("versions", () => {
  for (const v of ["1", " 1 ", "\t1\n", "\u30001\u2028", "01", "0001"]) {
    checkVersion(v);
    assert.ok(isCompatible(v), v);
  }
  for (const v of ["", "  ", "0", "2", "99", "1.0", "+1", "-1", "x", "1 1", "\ufeff1", "18446744073709551616", "١", "1".repeat(5000)]) {
    rejects(() => checkVersion(v), "protocol", "version", "version");
    assert.ok(!isCompatible(v), v);
  }
  for (const [v, t] of [["", "empty"], ["0", "too old"], ["2", "too new"], ["x", "not a decimal integer"]] as const) {
    assert.throws(() => checkVersion(v), (e: unknown) => e instanceof MistError && e.message.includes(t));
  }
  const ok: [string, string, string][] = [["1", "1", "1"], ["1-3", "2-5", "3"], ["2-5", "1-3", "3"], [" 1 - 4 ", "4", "4"],
    ["1-18446744073709551615", "7", "7"]];
  for (const [l, r, want] of ok) assert.equal(negotiateVersion(l, r), want);
  const bad: [string, string, string][] = [["1-2", "3-4", "no version in common"], ["3-1", "1", "min > max"],
    ["x", "1", "not a version"], ["1", "1-2-3", "not a version"], ["1-18446744073709551616", "1", "out of range"], ["", "1", "not a version"]];
  for (const [l, r, t] of bad) {
    assert.throws(() => negotiateVersion(l, r), (e: unknown) => e instanceof MistError && e.reason === "version" && e.message.includes(t), `${l} ${r}`);
  }
  assert.equal(versionInfo(), "MIST protocol version 1");
});
