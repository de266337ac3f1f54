import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  MistError,
  TYPE_INFER_REQUEST,
  encodeDataEntities,
  encodeDataSchema,
  encodeEvalResult,
  encodeEvalRun,
  encodeHealthPing,
  encodeHealthPong,
  encodeInferRequest,
  encodeTraceAlert,
  encodeTraceSpan,
  isPayloadType,
  newMessage,
  parseDataSchema,
  parseEvalRun,
  parseHealthPing,
  parseHealthPong,
  parseInferRequest,
  parseInferResponse,
  parseTraceSpan,
  payloadCodecs,
  unmarshal,
  type PayloadType,
} from "../index.js";

function rejects(fn: () => unknown, field: string, want: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MistError, String(e));
    assert.equal(e.code, "validation", e.toString());
    assert.equal(e.field, field, e.toString());
    assert.ok(e.message.startsWith(field + " is ") && e.message.includes(want), e.toString());
    return true;
  });
}

test("encoders write the bytes Go's json.Marshal writes for the structs", () => {
  // The right-hand sides are what Go writes for the same protocol structs.
  const tests: [string, string][] = [
    [encodeInferRequest({ model: "", messages: null }), '{"model":"","messages":null}'],
    [encodeInferRequest({
      model: "auto", provider: "p", messages: [{ role: "user", content: "<hi>" }],
      params: { t: 0.7, n: 3, z: null, A: [] }, meta: { b: "2", a: "1" },
    }), '{"model":"auto","provider":"p","messages":[{"role":"user","content":"\\u003chi\\u003e"}],' +
      '"params":{"A":[],"n":3,"t":0.7,"z":null},"meta":{"a":"1","b":"2"}}'],
    [encodeEvalRun({ suite: "", tasks: [], baseline: false, tags: {} }), '{"suite":"","baseline":false}'],
    [encodeEvalResult({ suite: "s", task: "", passed: false, score: -0, baseline_score: 1e21, delta: 1e-7, duration_ms: 0 }),
      '{"suite":"s","task":"","passed":false,"score":-0,"baseline_score":1e+21,"delta":1e-7,"duration_ms":0}'],
    [encodeTraceSpan({ trace_id: "", span_id: "", operation: "", start_ns: 0, end_ns: 0, status: "", attrs: {} }),
      '{"trace_id":"","span_id":"","operation":"","start_ns":0,"end_ns":0,"status":""}'],
    [encodeDataSchema({ name: "", fields: [] }), '{"name":"","fields":[]}'],
    [encodeDataEntities({ count: -1, format: "", path: "" }), '{"count":-1,"format":"","path":""}'],
    [encodeHealthPong({ from: "\u2028", version: "", uptime_s: 9223372036854775807n }),
      '{"from":"\\u2028","version":"","uptime_s":9223372036854775807}'],
    [encodeTraceAlert({ level: "", metric: "", value: 0.1, threshold: 1e-300, message: "" }),
      '{"level":"","metric":"","value":0.1,"threshold":1e-300,"message":""}'],
  ];
  for (const [got, want] of tests) assert.equal(got, want);
});

test("encoders refuse values Go could not hold, naming the path", () => {
  const tests: [() => unknown, string, string][] = [
    [() => encodeTraceAlert({ level: "", metric: "", value: Infinity, threshold: 0, message: "" }), "TraceAlert.value", "finite"],
    [() => encodeHealthPong({ from: "", version: "", uptime_s: 2n ** 63n }), "HealthPong.uptime_s", "an integer"],
    [() => encodeHealthPong({ from: "", version: "", uptime_s: 1.5 }), "HealthPong.uptime_s", "an integer"],
    [() => encodeHealthPing({ from: 1 as unknown as string }), "HealthPing.from", "a string"],
    [() => encodeEvalRun({ suite: "", baseline: 1 as unknown as boolean }), "EvalRun.baseline", "a bool"],
    [() => encodeEvalRun({ suite: "", baseline: false, tasks: "abc" as unknown as string[] }), "EvalRun.tasks", "an array"],
    [() => encodeEvalRun({ suite: "", baseline: false, tags: { a: 1 as unknown as string } }), "EvalRun.tags.a", "a string"],
    [() => encodeTraceSpan({ trace_id: "", span_id: "", operation: "", start_ns: 0, end_ns: 0, status: "", attrs: { x: [NaN] } }),
      "TraceSpan.attrs.x", "unsupported value"],
    [() => encodeHealthPing(null as unknown as { from: string }), "HealthPing", "an object"],
  ];
  for (const [fn, field, want] of tests) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof MistError, String(e));
      assert.equal(e.code, "validation");
      assert.ok(e.field.startsWith(field), `${e.field} for ${field}`);
      assert.ok(e.message.includes(want), e.toString());
      return true;
    });
  }
});

test("parsers decode as Go decodes", () => {
  // missing and null members give zero values; unknown keys are ignored
  assert.deepEqual(parseHealthPong({ version: null, extra: [1] }), { from: "", version: "", uptime_s: 0 });
  assert.deepEqual(parseHealthPong(null), { from: "", version: "", uptime_s: 0 });
  // keys match case-insensitively when no key matches exactly; the last one wins
  assert.deepEqual(parseHealthPong({ FROM: "a", Uptime_S: 2 }), { from: "a", version: "", uptime_s: 2 });
  assert.deepEqual(parseHealthPing({ FROM: "x", From: "y" }), { from: "y" });
  assert.deepEqual(parseEvalRun({ "\u017fuite": "s", "tag\u212a": null }), { suite: "s", baseline: false });
  // omitempty members are set only when present; nil slices and maps are null
  assert.deepEqual(parseEvalRun({ tasks: [null, "a"], tags: null }), { suite: "", tasks: ["", "a"], baseline: false });
  assert.deepEqual(parseDataSchema({ fields: [null] }), { name: "", fields: [{ name: "", type: "", required: false }] });
  assert.deepEqual(parseDataSchema({}), { name: "", fields: null });
  // 64-bit integers: a number while safe, a bigint beyond
  const r = parseInferResponse({ tokens_in: -(2n ** 63n), tokens_out: 2 ** 53 - 1, latency_ms: 2 ** 53, cost_usd: 1 });
  assert.deepEqual([r.tokens_in, r.tokens_out, r.latency_ms, r.cost_usd], [-(2n ** 63n), 2 ** 53 - 1, 2n ** 53n, 1]);
  // interface values are plain JSON values, numbers as float64
  assert.deepEqual(parseTraceSpan({ attrs: { big: 12345678901234567890n, small: 3 } }).attrs, { big: 12345678901234567000, small: 3 });
});

test("parsers refuse wrong shapes, naming the path", () => {
  const tests: [() => unknown, string, string][] = [
    [() => parseHealthPing([]), "HealthPing", "an object"],
    [() => parseHealthPing("x"), "HealthPing", "an object"],
    [() => parseHealthPing({ from: 1 }), "HealthPing.from", "a string"],
    [() => parseEvalRun({ baseline: "yes" }), "EvalRun.baseline", "a bool"],
    [() => parseInferResponse({ tokens_in: 1.5 }), "InferResponse.tokens_in", "an integer"],
    [() => parseInferResponse({ tokens_in: 2n ** 63n }), "InferResponse.tokens_in", "an integer"],
    [() => parseInferResponse({ tokens_in: true }), "InferResponse.tokens_in", "an integer"],
    [() => parseInferResponse({ cost_usd: "1" }), "InferResponse.cost_usd", "a number"],
    [() => parseEvalRun({ tasks: "a" }), "EvalRun.tasks", "an array"],
    [() => parseEvalRun({ tasks: [1] }), "EvalRun.tasks[0]", "a string"],
    [() => parseEvalRun({ tags: { a: 1 } }), "EvalRun.tags.a", "a string"],
    [() => parseEvalRun({ tags: [] }), "EvalRun.tags", "an object"],
    [() => parseDataSchema({ fields: [{ required: "yes" }] }), "DataSchema.fields[0].required", "a bool"],
    [() => parseInferRequest({ messages: [{ role: 1 }] }), "InferRequest.messages[0].role", "a string"],
    [() => parseTraceSpan({ attrs: { x: Infinity } }), "TraceSpan.attrs.x", "a finite number"],
    [() => parseTraceSpan({ attrs: { x: new Map() } }), "TraceSpan.attrs.x", "a JSON value"],
  ];
  for (const [fn, field, want] of tests) rejects(fn, field, want);
});

test("every built-in type round-trips through a message", () => {
  const values: { [K in PayloadType]: unknown } = {
    "data.entities": { count: 3, format: "csv", path: "p", schema: "s", checksum: "c" },
    "data.schema": { name: "n", fields: [{ name: "a", type: "int", required: true }] },
    "infer.request": { model: "m", messages: [{ role: "r", content: "c" }], params: { a: 1.5 }, meta: { k: "v" } },
    "infer.response": { model: "m", provider: "", content: "", tokens_in: 1, tokens_out: 0, cost_usd: 0.25, latency_ms: 0, finish_reason: "stop" },
    "eval.run": { suite: "s", tasks: ["a"], baseline: true, infer_url: "u", tags: { t: "v" } },
    "eval.result": { suite: "s", task: "", passed: true, score: 1, baseline_score: 0, delta: 0, duration_ms: 0, error: "e" },
    "trace.span": { trace_id: "t", span_id: "s", parent_id: "p", operation: "", start_ns: 1767225600123456789n, end_ns: 2, status: "", attrs: { x: null } },
    "trace.alert": { level: "critical", metric: "", value: 2.5, threshold: -1e300, message: "" },
    "health.ping": { from: "f" },
    "health.pong": { from: "f", version: "v", uptime_s: 9 },
  };
  for (const type of Object.keys(payloadCodecs) as PayloadType[]) {
    assert.ok(isPayloadType(type));
    const got = unmarshal(newMessage("s", type, values[type] as never).marshalWithChecksum()).decodeAs(type);
    assert.deepEqual(got, values[type], type);
    if (type !== "trace.span") { // JSON.parse would round its 64-bit start_ns
      const codec = payloadCodecs[type];
      assert.deepEqual(codec.parse(JSON.parse(codec.encode(got as never)) as unknown), got, type);
    }
  }
  assert.equal(Object.keys(payloadCodecs).length, 10);
  assert.ok(!isPayloadType("custom") && !isPayloadType("toString") && isPayloadType(TYPE_INFER_REQUEST));
});

test("types.ts is generated", () => {
  const src = readFileSync(fileURLToPath(new URL("../../src/types.ts", import.meta.url)), "utf8");
  assert.ok(src.split("\n")[0]!.includes("Code generated by mistgen. DO NOT EDIT."));
});
