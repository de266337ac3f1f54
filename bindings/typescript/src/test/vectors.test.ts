import { test } from "node:test";
import assert from "node:assert/strict";
import { MistError, unmarshal } from "../index.js";
import { expand, u8, vectors, type Vector } from "./support.js";

function checkValid(v: Vector): void {
  const m = unmarshal(expand(v.input));
  const want = v.message!;
  assert.deepEqual(
    [m.version, m.id, m.source, m.type, m.timestampNs.toString(), m.checksum],
    [want.version, want.id, want.source, want.type, want.timestamp_ns, want.checksum],
  );
  assert.equal(typeof m.timestampNs, "bigint");
  assert.ok(m.verifyChecksum());
  if ("payload" in want) assert.deepEqual(m.payload.length > 0 ? m.decode() : null, want.payload);
  assert.deepEqual(u8(m.marshal()), expand(v.canonical!));
  // The canonical form reads back to the same canonical form.
  assert.deepEqual(u8(unmarshal(m.marshal()).marshal()), u8(m.marshal()));
}

function checkInvalid(v: Vector): void {
  assert.throws(() => unmarshal(expand(v.input)), (e: unknown) => {
    assert.ok(e instanceof MistError, String(e));
    assert.equal(e.code, "protocol");
    assert.equal(e.reason, v.reason, e.toString());
    assert.equal(e.field, v.field ?? "", e.toString());
    return true;
  });
}

test("every golden vector gets Go's verdict and canonical bytes", async (t) => {
  const vs = vectors();
  assert.ok(vs.length >= 40, `only ${vs.length} vectors: wrong directory?`);
  assert.ok(vs.some((v) => v.valid) && vs.some((v) => !v.valid));
  for (const v of vs) {
    await t.test(v.name, () => {
      assert.equal(v.file, v.name + ".json");
      if (v.valid) checkValid(v);
      else checkInvalid(v);
    });
  }
});

test("vectors hold only the keys of the schema", () => {
  const allowed = new Set(["name", "description", "valid", "reason", "field", "input", "canonical", "message", "file"]);
  for (const v of vectors()) {
    for (const k of Object.keys(v)) assert.ok(allowed.has(k), `${v.name}: unexpected key ${k}`);
  }
});
