import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, FullError, MistError, codeOf, exitCode, httpStatus } from "../index.js";

test("text as Go's Error()", () => {
  const tests: [MistError, string][] = [
    [new MistError("validation", "bad input"), "validation: bad input"],
    [new MistError("validation", "bad input", { cause: new Error("x") }), "validation: bad input: x"],
    [new MistError("internal", "", { cause: new Error("x") }), "internal: x"],
    [new MistError("internal"), "internal"],
    [new MistError("transport", "outer", { cause: new MistError("auth", "inner") }), "transport: outer: auth: inner"],
  ];
  for (const [e, want] of tests) assert.equal(e.toString(), want);
});

test("JSON as Go's errors package writes it", () => {
  const tests: [MistError, string][] = [
    [new MistError("auth", "transport: missing or wrong bearer token"),
      '{"code":"auth","message":"transport: missing or wrong bearer token"}'],
    [new MistError("protocol", "m <1>", { meta: { reason: "json", field: "id" }, cause: new Error("c&d") }),
      '{"code":"protocol","message":"m \\u003c1\\u003e","meta":{"field":"id","reason":"json"},"cause":"c\\u0026d"}'],
  ];
  for (const [e, want] of tests) {
    assert.equal(e.toJSONText(), want);
    const back = MistError.fromJSON(want);
    assert.deepEqual([back.code, back.message, { ...back.meta }], [e.code, e.message, { ...e.meta }]);
    assert.equal(back.toString(), e.toString());
    assert.deepEqual(JSON.parse(JSON.stringify(e)), JSON.parse(want));
  }
  for (const data of ["", "[]", "{bad", '{"code":1}', '{"meta":{"a":1}}', '{"cause":{}}']) {
    assert.throws(() => MistError.fromJSON(data), (e: unknown) => e instanceof MistError && e.code === "validation", data);
  }
});

test("Go's code table", () => {
  const tests: [string, number, number, boolean | undefined][] = [
    ["", 200, 0, undefined], ["internal", 500, 1, true], ["timeout", 504, 5, true], ["cancelled", 499, 130, false],
    ["transport", 500, 7, true], ["protocol", 500, 8, false], ["validation", 400, 2, false], ["not_found", 404, 3, false],
    ["unavailable", 503, 6, true], ["rate_limit", 429, 9, true], ["auth", 401, 4, false], ["conflict", 409, 10, false],
    ["made_up", 500, 1, false], ["toString", 500, 1, false],
  ];
  for (const [code, status, exit, retryable] of tests) {
    assert.equal(httpStatus(code), status, code);
    assert.equal(exitCode(code), exit, code);
    if (retryable !== undefined) assert.equal(new MistError(code).retryable, retryable, code);
  }
});

test("transport errors and codeOf", () => {
  const closed = new ClosedError();
  const full = new FullError();
  assert.deepEqual([closed.code, closed.toString(), closed.retryable], ["unavailable", "unavailable: transport: closed", false]);
  assert.deepEqual([full.code, full.toString(), full.retryable], ["unavailable", "unavailable: transport: full", true]);
  const wrapped = new Error("outer", { cause: new MistError("auth", "x") });
  const timeout = new Error("t");
  timeout.name = "TimeoutError";
  const abort = new Error("a");
  abort.name = "AbortError";
  const tests: [unknown, string][] = [[undefined, ""], [null, ""], [new MistError("auth"), "auth"], [wrapped, "auth"],
    [timeout, "timeout"], [abort, "cancelled"], [new Error("x"), "internal"], ["text", "internal"]];
  for (const [err, want] of tests) assert.equal(codeOf(err), want);
});
