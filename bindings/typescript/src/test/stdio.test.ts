import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { ClosedError, MAX_MESSAGE_SIZE, Message, MistError, Stdio, TYPE_HEALTH_PONG, newMessage, unmarshal } from "../index.js";
import { LineSplitter } from "../stdio.js";
import { bytes, deadline, text, u8 } from "./support.js";

function message(n = 0): Message {
  return newMessage("typescript-test", TYPE_HEALTH_PONG, { from: `p${n}`, version: "1", uptime_s: n });
}

function line(m: Message): Uint8Array {
  return Buffer.concat([m.marshalWithChecksum(), Buffer.from("\n")]);
}

/** A Stdio reading data, given in chunks, then the end of the input. */
function reader(...chunks: Uint8Array[]): Stdio {
  const input = new PassThrough();
  for (const c of chunks) input.write(c);
  input.end();
  return new Stdio(input, new PassThrough());
}

async function rejectsWith(p: Promise<unknown>, code: string, reason: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MistError, String(e));
    assert.deepEqual([e.code, e.reason], [code, reason], e.toString());
    return true;
  });
}

test("lines: \\r\\n, blank lines, the end of the input", async () => {
  const [a, b, c] = [message(1), message(2), message(3)];
  const crlf = Buffer.from(text(line(b)).replace("\n", "\r\n"));
  const s = reader(line(a), bytes("\n  \t\n"), crlf, bytes("\r\n"), line(c));
  for (const want of [a, b, c]) {
    const got = await s.receive({ signal: deadline() });
    assert.deepEqual(u8(got!.marshal()), u8(unmarshal(want.marshalWithChecksum()).marshal()));
  }
  assert.equal(await s.receive(), null);
  assert.equal(await s.receive(), null, "the end of the input is final");
});

test("a bad line is an error, and reading goes on after it", async () => {
  const good = message(1);
  const badChecksum = bytes(text(line(message(2))).replace('"p2"', '"p9"'));
  const s = reader(bytes("{not json\n"), badChecksum, line(good), bytes('{"version":"99"}\n'));
  await rejectsWith(s.receive(), "protocol", "json");
  await rejectsWith(s.receive(), "protocol", "checksum");
  assert.equal((await s.receive())!.id, good.id);
  await rejectsWith(s.receive(), "protocol", "missing_field");
  assert.equal(await s.receive(), null);
});

test("a torn final line is dropped", async () => {
  const m = message(1);
  const s = reader(line(m), line(message(2)).subarray(0, 30));
  assert.equal((await s.receive())!.id, m.id);
  assert.equal(await s.receive(), null);
});

test("LineSplitter applies Go's line limit", () => {
  const tests: [string, (string | "size")[]][] = [
    ["abc\n", ["abc"]],
    ["abcd\n", ["size"]],
    ["abc\r\n", ["abc"]], // the "\r" does not count
    ["abcde\r\n", ["size"]],
    ["x".repeat(100) + "\nok\n", ["size", "ok"]],
    ["abc", []], // torn: never returned
    ["a\n\n \t\nb\n", ["a", "b"]],
  ];
  for (const [data, want] of tests) {
    const sp = new LineSplitter(3);
    const got: (string | "size")[] = [];
    for (const ch of data) { // one byte at a time: lines span chunks
      for (const l of sp.push(Buffer.from(ch))) got.push(l instanceof MistError ? l.reason : text(l));
    }
    assert.deepEqual(got, want, JSON.stringify(data));
  }
});

// Fixed on purpose (as for Go's File and Stdio): a 2 MiB line is readable,
// and a line over the limit is an error the reader gets past.
test("big lines", async () => {
  const two = newMessage("typescript-test", "blob", "y".repeat(2 << 20));
  const tooLong = new Uint8Array(MAX_MESSAGE_SIZE + 2).fill(0x78);
  tooLong[tooLong.length - 1] = 0x0a;
  const s = reader(line(two), tooLong.subarray(0, 1 << 20), tooLong.subarray(1 << 20), line(message(1)));
  assert.deepEqual(u8((await s.receive())!.payload), u8(two.payload));
  await rejectsWith(s.receive(), "protocol", "size");
  assert.equal((await s.receive())!.type, TYPE_HEALTH_PONG);
});

test("a peer that goes away mid-line never hangs the reader", async () => {
  for (const goAway of [(p: PassThrough) => p.end(), (p: PassThrough) => p.destroy()]) {
    const input = new PassThrough();
    const s = new Stdio(input, new PassThrough());
    const m = message(1);
    input.write(line(m));
    input.write(line(message(2)).subarray(0, 25));
    assert.equal((await s.receive({ signal: deadline() }))!.id, m.id);
    const pending = s.receive({ signal: deadline() });
    goAway(input);
    assert.equal(await pending, null, "not the deadline");
  }
});

test("send writes what Go reads, in order", async () => {
  const pipe = new PassThrough();
  const writer = new Stdio(new PassThrough(), pipe);
  const rd = new Stdio(pipe, new PassThrough());
  const sent = Array.from({ length: 100 }, (_, i) => message(i));
  const sending = Promise.all(sent.map((m) => writer.send(m)));
  const got: Message[] = [];
  for (let i = 0; i < sent.length; i++) got.push((await rd.receive({ signal: deadline() }))!);
  await sending;
  assert.deepEqual(got.map((m) => m.id), sent.map((m) => m.id));
  assert.ok(got.every((m) => m.checksum !== 0 && m.verifyChecksum()));

  const out = new PassThrough();
  const w = new Stdio(new PassThrough(), out);
  const m = message(7);
  await w.send(m);
  assert.deepEqual(u8(out.read() as Buffer), u8(line(m)));
});

test("concurrent receives get each line once", async () => {
  const pipe = new PassThrough();
  const writer = new Stdio(new PassThrough(), pipe);
  const rd = new Stdio(pipe, new PassThrough());
  const waiting = Array.from({ length: 50 }, () => rd.receive({ signal: deadline() }));
  const sent = Array.from({ length: 50 }, (_, i) => message(i));
  for (const m of sent) await writer.send(m);
  const got = await Promise.all(waiting);
  assert.deepEqual(got.map((m) => m!.id).sort(), sent.map((m) => m.id).sort());
});

test("an aborted receive loses nothing", async () => {
  const pipe = new PassThrough();
  const rd = new Stdio(pipe, new PassThrough());
  const ac = new AbortController();
  const waiting = rd.receive({ signal: ac.signal });
  ac.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  const m = message(3);
  pipe.write(line(m));
  assert.equal((await rd.receive({ signal: deadline() }))!.id, m.id);
  const done = new AbortController();
  done.abort(new Error("already"));
  await assert.rejects(rd.receive({ signal: done.signal }), /already/);
});

test("close", async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  const s = new Stdio(input, output);
  const waiting = s.receive();
  await s.close();
  await assert.rejects(waiting, ClosedError);
  await assert.rejects(s.receive(), ClosedError);
  await assert.rejects(s.send(message()), ClosedError);
  assert.ok(input.destroyed, "the reader passed in is closed");
  assert.ok(output.writableEnded, "the writer passed in is closed");
  await s.close(); // a second close does nothing

  const std = new Stdio();
  await std.close();
  assert.ok(!process.stdin.destroyed && !process.stdout.writableEnded, "the standard streams stay open");
});

test("send refuses bad messages, and reports write failures", async () => {
  const s = new Stdio(new PassThrough(), new PassThrough());
  for (const m of [undefined as unknown as Message, new Message(), new Message({ version: "1", id: "a", source: "s", type: "t", timestampNs: 1n, payload: "{" })]) {
    await assert.rejects(s.send(m), (e: unknown) => e instanceof MistError && e.code === "validation");
  }
  const broken = new Writable({ write: (_c, _e, cb) => cb(new Error("boom")) });
  broken.on("error", () => undefined);
  const w = new Stdio(new PassThrough(), broken);
  await assert.rejects(w.send(message()), (e: unknown) => e instanceof MistError && e.code === "transport");
});

test("iterates to the end of the input", async () => {
  const msgs = [message(0), message(1), message(2)];
  const got: string[] = [];
  for await (const m of reader(...msgs.map(line))) got.push(m.id);
  assert.deepEqual(got, msgs.map((m) => m.id));
});
