import { test } from "node:test";
import assert from "node:assert/strict";
import {
  JSONNumber,
  JSONSyntaxError,
  NotObjectError,
  PAIRS,
  compactChecked,
  compareUTF8,
  decodeString,
  encodeString,
  encodeValue,
  formatFloat,
  parseValue,
  scan,
  valid,
  type LiteralObject,
} from "../json.js";
import { bytes, floatTable, floatValue, text, u8 } from "./support.js";

test("formatFloat writes every value of Go's float table as Go does", () => {
  const table = floatTable();
  assert.ok(table.length >= 800, `only ${table.length} entries: wrong file?`);
  assert.deepEqual(new Set(table.map((e) => e.bits)), new Set([32, 64]));
  for (const e of table) {
    assert.equal(formatFloat(floatValue(e), e.bits), e.go, `entry ${JSON.stringify(e)}`);
  }
});

test("formatFloat corners", () => {
  const tests: [number, 32 | 64, string][] = [
    [0, 64, "0"], [-0, 64, "-0"], [1e21, 64, "1e+21"], [1e20, 64, "100000000000000000000"],
    [1e-6, 64, "0.000001"], [1e-7, 64, "1e-7"], [1.5e-10, 64, "1.5e-10"], [1e100, 64, "1e+100"],
    [5e-324, 64, "5e-324"], [0.1, 32, "0.1"], [16777217, 32, "16777216"],
  ];
  for (const [f, bits, want] of tests) assert.equal(formatFloat(f, bits), want, `formatFloat(${f}, ${bits})`);
  for (const f of [NaN, Infinity, -Infinity]) assert.throws(() => formatFloat(f), RangeError);
});

test("encodeString escapes as Go's encoding/json", () => {
  const tests: [string, string][] = [
    ["", '""'],
    ["<a & b>", '"\\u003ca \\u0026 b\\u003e"'],
    ['"\\/', '"\\"\\\\/"'],
    ["\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'],
    ["\x00\x01\x1f\x7f", '"\\u0000\\u0001\\u001f\x7f"'],
    ["\u2028\u2029\u2027", '"\\u2028\\u2029\u2027"'],
    ["é😀\ufffd", '"é😀\ufffd"'],
    ["\ud800", '"\\ufffd"'],
    ["\udc00\ud83d", '"\\ufffd\\ufffd"'],
  ];
  for (const [s, want] of tests) assert.equal(encodeString(s), want, `encodeString(${JSON.stringify(s)})`);
});

test("decodeString decodes as Go: one U+FFFD per bad byte or lone surrogate", () => {
  const tests: [Uint8Array, string][] = [
    [bytes('""'), ""],
    [bytes('"a\\"b"'), 'a"b'],
    [bytes('"\\u00e9\\u0041"'), "éA"],
    [bytes('"\\ud83d\\ude00"'), "😀"],
    [bytes('"\\ud800"'), "\ufffd"],
    [bytes('"\\ud800\\u0041"'), "\ufffdA"],
    [bytes('"\\udc00\\ud800"'), "\ufffd\ufffd"],
    [Uint8Array.from([0x22, 0xff, 0xfe, 0x22]), "\ufffd\ufffd"],
    [Uint8Array.from([0x22, 0xe2, 0x82, 0x22]), "\ufffd\ufffd"],
    [Uint8Array.from([0x22, 0xed, 0xa0, 0x80, 0x22]), "\ufffd\ufffd\ufffd"],
    [Uint8Array.from([0x22, 0xf0, 0x9f, 0x98, 0x80, 0x22]), "😀"],
  ];
  for (const [lit, want] of tests) assert.equal(decodeString(lit, 0, lit.length), want, `decodeString(${text(lit)})`);
});

test("scan accepts exactly what Go's scanner accepts", () => {
  const good = ["0", "-0", "1.5e+3", '"x"', "null", " [ 1 , {} ] ", '{"a":{"b":[true,false]}}',
    "[".repeat(10000) + "]".repeat(10000)];
  for (const s of good) assert.ok(valid(bytes(s)), `valid(${s.slice(0, 40)})`);
  assert.ok(valid(Uint8Array.from([0x22, 0xff, 0x22])), "invalid UTF-8 inside a string is fine");
  const bad = ["", " ", "01", "1.", ".5", "+1", "1e", "NaN", "Infinity", "nul", "[1,]", '{"a":1,}', "{a:1}", "'x'",
    '"\t"', '"\\x"', '"\\u12"', "[1] [2]", "\ufeff1", "[".repeat(10001) + "]".repeat(10001), '{"a" 1}', "[1 2]",
    '{2a":1}', '{"a":{b":1}}'];
  for (const s of bad) assert.ok(!valid(bytes(s)), `!valid(${s.slice(0, 40)})`);
});

test("scan returns the members of a top-level object", () => {
  const d = bytes(' { "a" : 1 , "b\\u0041" : [2, {"c": 3}] , "a":"x" } ');
  const got = scan(d, true).map((m) => [text(d.subarray(m.keyStart, m.keyEnd)), text(d.subarray(m.start, m.end))]);
  assert.deepEqual(got, [['"a"', "1"], ['"b\\u0041"', '[2, {"c": 3}]'], ['"a"', '"x"']]);
  assert.throws(() => scan(bytes("[1]"), true), NotObjectError);
  assert.throws(() => scan(bytes("[1"), true), JSONSyntaxError);
});

test("compact writes what Go writes for a json.RawMessage", () => {
  const tests: [Uint8Array, Uint8Array][] = [
    [bytes('{"a":1}'), bytes('{"a":1}')],
    [bytes(' {\n\t"a" : [ 1 , 2 ] \r} '), bytes('{"a":[1,2]}')],
    [bytes('" a <b> & c "'), bytes('" a \\u003cb\\u003e \\u0026 c "')],
    [bytes('"\u2028\u2029"'), bytes('"\\u2028\\u2029"')],
    [bytes('"\\" <"'), bytes('"\\" \\u003c"')],
    [Uint8Array.from([...bytes('["'), 0xff, ...bytes('", 1.50E+3]')]), Uint8Array.from([...bytes('["'), 0xff, ...bytes('",1.50E+3]')])],
  ];
  for (const [d, want] of tests) assert.deepEqual(u8(compactChecked(d)), want, `compact(${text(d)})`);
  assert.throws(() => compactChecked(bytes("{oops")), JSONSyntaxError);
});

test("parseValue decodes as Go decodes into any", () => {
  assert.deepEqual(parseValue(bytes('{"a":[1,2.5,"\\ud800x",null,true]}')), { a: [1, 2.5, "\ufffdx", null, true] });
  let deep = parseValue(bytes("[".repeat(5000) + "1" + "]".repeat(5000)));
  for (let i = 0; i < 5000; i++) deep = (deep as unknown[])[0];
  assert.equal(deep, 1);
  const proto = parseValue(bytes('{"__proto__":{"x":1}}')) as Record<string, unknown>;
  assert.ok(Object.hasOwn(proto, "__proto__"), "__proto__ is an own key, not the prototype");
  assert.equal(({} as Record<string, unknown>)["x"], undefined);
  for (const s of ["1e400", "[-1e999]", "9".repeat(400)]) {
    assert.throws(() => parseValue(bytes(s)), RangeError, s.slice(0, 20));
  }
});

test("parseValue in literal mode leaves numbers to the typed parsers and keeps member order", () => {
  const v = parseValue(bytes('{"a":1,"A":-0,"a":1e400,"n":' + "9".repeat(5000) + "}"), true) as LiteralObject;
  const pairs = v[PAIRS]!;
  assert.deepEqual(pairs.map(([k]) => k), ["a", "A", "a", "n"]);
  assert.ok(pairs[1]![1] instanceof JSONNumber);
  assert.equal((pairs[1]![1] as JSONNumber).text, "-0");
  assert.equal((v["a"] as JSONNumber).text, "1e400");
  assert.deepEqual(Object.keys(v), ["a", "A", "n"], "PAIRS is not enumerable");
});

test("encodeValue writes maps with keys sorted by their UTF-8 bytes", () => {
  const tests: [unknown, string][] = [
    [null, "null"],
    [undefined, "null"],
    [{ b: 1, a: [true, null, 2.5, "<"], u: undefined }, '{"a":[true,null,2.5,"\\u003c"],"b":1}'],
    [{ "\ue000": 1, "\u{1f600}": 2, z: 3, Z: 4, "é": 5 }, '{"Z":4,"z":3,"é":5,"\ue000":1,"😀":2}'],
    [12345678901234567890n, "12345678901234567890"],
    [1e21, "1e+21"],
    [new JSONNumber("1.50E+3"), "1500"],
  ];
  for (const [v, want] of tests) assert.equal(encodeValue(v), want);
  for (const v of [NaN, { a: Infinity }, new Map(), () => 1, Symbol("s")]) {
    assert.throws(() => encodeValue(v), (e: unknown) => e instanceof TypeError || e instanceof RangeError);
  }
  assert.ok(compareUTF8("\u{1f600}", "\ue000") > 0 && compareUTF8("a", "ab") < 0 && compareUTF8("b", "b") === 0);
});
