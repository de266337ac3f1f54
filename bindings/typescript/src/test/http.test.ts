import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import {
  ClosedError,
  FullError,
  HTTPReceiver,
  HTTPSender,
  MAX_MESSAGE_SIZE,
  Message,
  MistError,
  TYPE_HEALTH_PING,
  newMessage,
  unmarshal,
} from "../index.js";
import { deadline, text, u8 } from "./support.js";

function message(n = 0): Message {
  return newMessage("typescript-test", TYPE_HEALTH_PING, { from: `test ${n} <&>` });
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request; body chunks are written one by one (chunked when there is no Content-Length). */
function send(url: string, method: string, chunks: Uint8Array[] = [], headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, signal: deadline() }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

function errorReply(r: Reply, status: number, code: string): MistError {
  assert.equal(r.status, status, r.body);
  assert.equal(r.headers["content-type"], "application/json");
  const e = MistError.fromJSON(r.body);
  assert.equal(e.code, code, r.body);
  return e;
}

async function receiver(t: { after(fn: () => Promise<void>): void }, options = {}): Promise<HTTPReceiver> {
  const r = new HTTPReceiver(options);
  t.after(() => r.close());
  await r.listen(0, "127.0.0.1");
  return r;
}

/** A server answering every request with the next queued reply, recording what it got. */
class Stub {
  readonly replies: { status: number; body: string; headers?: Record<string, string> }[] = [];
  readonly requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: Uint8Array }[] = [];
  readonly server: Server;
  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        this.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: u8(Buffer.concat(parts)) });
        const r = this.replies.shift() ?? { status: 202, body: "" };
        res.writeHead(r.status, r.headers ?? {});
        res.end(r.body);
      });
    });
  }
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/mist`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test("HTTPSender posts the message with its checksum", async (t) => {
  const stub = new Stub();
  const url = await stub.start();
  t.after(() => stub.close());
  const m = message();
  await new HTTPSender(url, { token: "s3cret" }).send(m);
  const got = stub.requests[0]!;
  assert.deepEqual([got.method, got.url], ["POST", "/mist"]);
  assert.equal(got.headers["content-type"], "application/json");
  assert.equal(got.headers["authorization"], "Bearer s3cret");
  assert.deepEqual(got.body, u8(m.marshalWithChecksum()));
  assert.notEqual(unmarshal(got.body).checksum, 0);
  await new HTTPSender(url).send(m);
  assert.equal(stub.requests[1]!.headers["authorization"], undefined);
});

test("HTTPSender handles statuses as Go's sender", async (t) => {
  const stub = new Stub();
  const url = await stub.start();
  t.after(() => stub.close());
  const receiverError = '{"code":"validation","message":"transport: bad message"}';
  const tests: [number, string, string | undefined, boolean][] = [
    [200, "", undefined, false], [202, "", undefined, false], [204, "", undefined, false],
    [429, "", "rate_limit", false], [500, "", "unavailable", false], [502, "oops", "unavailable", false],
    [503, "", "unavailable", true], [400, receiverError, "validation", false], [401, "", "validation", false],
    [404, "", "validation", false], [413, "", "validation", false], [302, "", "validation", false],
  ];
  const sender = new HTTPSender(url);
  for (const [status, body, code, full] of tests) {
    stub.replies.push({ status, body, headers: status === 302 ? { Location: "/elsewhere" } : {} });
    if (code === undefined) {
      await sender.send(message());
      continue;
    }
    await assert.rejects(sender.send(message()), (e: unknown) => {
      assert.ok(e instanceof MistError, String(e));
      assert.equal(e.code, code, `status ${status}`);
      assert.equal(e.meta["status"], String(status));
      assert.equal(e instanceof FullError, full, `status ${status}`);
      assert.ok(e.message.includes(`transport: http post ${url}: ${status}`), e.message);
      if (body === receiverError) assert.ok(e.message.includes("validation: transport: bad message"), e.message);
      if (body === "oops") assert.ok(e.message.endsWith(": oops"), e.message);
      return true;
    });
  }
  assert.equal(stub.requests.length, tests.length, "redirects are not followed");
});

test("HTTPSender: network failure, refusals, abort and close", async (t) => {
  const down = new HTTPSender(`http://127.0.0.1:${await freePort()}/mist`);
  await assert.rejects(down.send(message()), (e: unknown) => e instanceof MistError && e.code === "transport");

  const stub = new Stub();
  const url = await stub.start();
  t.after(() => stub.close());
  const sender = new HTTPSender(url);
  const bad = [
    undefined as unknown as Message,
    new Message({ version: "1", id: "", source: "s", type: "t", timestampNs: 1n }),
    new Message({ version: "2", id: "a", source: "s", type: "t", timestampNs: 1n }),
    new Message({ version: "1", id: "a", source: "s", type: "t", timestampNs: 1n, payload: "{oops" }),
    new Message({ version: "1", id: "a", source: "s", type: "t", timestampNs: 1n, payload: '"' + "x".repeat(MAX_MESSAGE_SIZE) + '"' }),
  ];
  for (const m of bad) await assert.rejects(sender.send(m), (e: unknown) => e instanceof MistError && e.code === "validation");
  assert.equal(stub.requests.length, 0);
  assert.throws(() => new HTTPSender(""), (e: unknown) => e instanceof MistError && e.code === "validation");
  const aborted = new AbortController();
  aborted.abort(new Error("stop"));
  await assert.rejects(sender.send(message(), { signal: aborted.signal }), /stop/);
  sender.close();
  await assert.rejects(sender.send(message()), ClosedError);
});

test("HTTPReceiver round trip, in order", async (t) => {
  const r = await receiver(t);
  const sender = new HTTPSender(r.url);
  const sent = Array.from({ length: 20 }, (_, i) => message(i));
  for (const m of sent) await sender.send(m);
  for (const m of sent) {
    const got = await r.receive({ signal: deadline() });
    assert.deepEqual(u8(got.marshal()), u8(unmarshal(m.marshalWithChecksum()).marshal()));
    assert.ok(got.verifyChecksum() && got.checksum !== 0);
  }
  const noChecksum = await send(r.url, "POST", [message().marshal()]);
  assert.deepEqual([noChecksum.status, noChecksum.body], [202, ""]);
});

test("HTTPReceiver rejects in Go's order", async (t) => {
  const r = await receiver(t, { token: "s3cret" });
  const good = message().marshalWithChecksum();
  const auth = { Authorization: "Bearer s3cret" };
  // 405 comes before 401
  const get = await send(r.url, "GET");
  errorReply(get, 405, "validation");
  assert.equal(get.headers["allow"], "POST");
  assert.equal(errorReply(get, 405, "validation").message, "transport: method GET not allowed, use POST");
  errorReply(await send(r.url, "PUT", [good], auth), 405, "validation");
  // 401 without exactly "Bearer <token>"; it comes before 413 and 400
  for (const h of [{} as Record<string, string>, { Authorization: "Bearer wrong" }, { Authorization: "bearer s3cret" }, { Authorization: "Bearer  s3cret" },
    { Authorization: "s3cret" }, { Authorization: "Bearer s3creT" }]) {
    const reply = await send(r.url, "POST", [Buffer.from("{bad")], h);
    errorReply(reply, 401, "auth");
    assert.equal(reply.headers["www-authenticate"], "Bearer");
  }
  // 400 for what unmarshal rejects, with the reason in the cause
  const bad: [Uint8Array, string][] = [
    [Buffer.from("{bad"), "not valid json"], [new Uint8Array(0), "not valid json"],
    [Buffer.from(text(good).replace('"version":"1"', '"version":"99"')), "too new"],
    [Buffer.from(text(good).replace('"from":"test', '"from":"TEST')), "checksum"],
  ];
  for (const [body, want] of bad) {
    const e = errorReply(await send(r.url, "POST", [body], auth), 400, "validation");
    assert.equal(e.message, "transport: bad message");
    assert.ok(e.toString().includes(want), e.toString());
  }
  assert.equal((await send(r.url, "POST", [good], auth)).status, 202);
  // spaces around the value are not part of it, as in Go
  assert.equal((await send(r.url, "POST", [good], { Authorization: "Bearer s3cret \t" })).status, 202);
});

// Fixed on purpose: an 11 MiB message gets 413 (and the client reads that
// reply: the receiver drains the body it refused), and a 2 MiB one is
// accepted.
test("HTTPReceiver size limit", async (t) => {
  const r = await receiver(t);
  const big = new Uint8Array(11 << 20).fill(0x78);
  // from Content-Length, before reading the body
  const e = errorReply(await send(r.url, "POST", [big], { "Content-Length": String(big.length) }), 413, "validation");
  assert.ok(e.message.includes(`over the limit of ${MAX_MESSAGE_SIZE}`), e.message);
  // by reading a chunked body up to MAX_MESSAGE_SIZE + 1 bytes
  const chunks = Array.from({ length: 11 }, (_, i) => big.subarray(i << 20, (i + 1) << 20));
  errorReply(await send(r.url, "POST", chunks), 413, "validation");
  // one byte over the limit, and the limit itself
  const over = big.subarray(0, MAX_MESSAGE_SIZE + 1);
  errorReply(await send(r.url, "POST", [over], { "Content-Length": String(over.length) }), 413, "validation");
  errorReply(await send(r.url, "POST", [over.subarray(1)]), 400, "validation");
  // a chunked body within the limit is read whole
  const data = message().marshalWithChecksum();
  assert.equal((await send(r.url, "POST", [data.subarray(0, 10), data.subarray(10)])).status, 202);
  // 2 MiB
  const two = newMessage("typescript-test", "blob", "y".repeat(2 << 20));
  await new HTTPSender(r.url).send(two);
  await r.receive({ signal: deadline() }); // the chunked one
  assert.deepEqual(u8((await r.receive({ signal: deadline() })).payload), u8(two.payload));
});

test("HTTPReceiver inbox full: 503 with Retry-After", async (t) => {
  const r = await receiver(t, { inboxSize: 2 });
  const sender = new HTTPSender(r.url);
  await sender.send(message(1));
  await sender.send(message(2));
  const reply = await send(r.url, "POST", [message(3).marshalWithChecksum()]);
  errorReply(reply, 503, "unavailable");
  assert.equal(reply.headers["retry-after"], "1");
  await assert.rejects(sender.send(message(4)), (e: unknown) => e instanceof FullError && e.retryable);
  assert.deepEqual((await r.receive({ signal: deadline() })).decodeAs(TYPE_HEALTH_PING), { from: "test 1 <&>" });
  await sender.send(message(5)); // room again
  assert.equal(new HTTPReceiver().inboxSize, 256);
  assert.equal(new HTTPReceiver({ inboxSize: 0 }).inboxSize, 256);
  assert.equal(new HTTPReceiver({ inboxSize: -3 }).inboxSize, 256);
});

test("HTTPReceiver paths, abort, close", async (t) => {
  const r = await receiver(t);
  errorReply(await send(r.url.replace("/mist", "/other"), "POST", [message().marshal()]), 404, "not_found");
  assert.equal((await send(r.url + "?x=1", "POST", [message().marshal()])).status, 202);
  await r.receive({ signal: deadline() });
  const aborted = new AbortController();
  const waiting = r.receive({ signal: aborted.signal });
  aborted.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  const blocked = r.receive();
  await r.close();
  await assert.rejects(blocked, ClosedError);
  await assert.rejects(r.receive(), ClosedError);
  await r.close(); // a second close does nothing
  await assert.rejects(r.listen(0), ClosedError);
});

test("HTTPReceiver.handler on any server, and after close", async (t) => {
  const r = new HTTPReceiver();
  const server = createServer(r.handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/any/path`;
  await new HTTPSender(url).send(message());
  assert.equal((await r.receive({ signal: deadline() })).type, TYPE_HEALTH_PING);
  await r.close();
  await assert.rejects(new HTTPSender(url).send(message()), (e: unknown) =>
    e instanceof FullError && e.message.includes("transport: receiver is closed"));
});

test("HTTPReceiver.listen errors", async (t) => {
  const r = await receiver(t);
  await assert.rejects(r.listen(0), (e: unknown) => e instanceof MistError && e.code === "validation");
  const port = Number(new URL(r.url).port);
  const other = new HTTPReceiver();
  await assert.rejects(other.listen(port, "127.0.0.1"), (e: unknown) => e instanceof MistError && e.code === "transport");
  await other.close();
});
