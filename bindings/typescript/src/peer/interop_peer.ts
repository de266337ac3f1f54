/**
 * The Node peer of the Go interop tests (bindings/interop_test.go).
 *
 * Usage: node dist/peer/interop_peer.js MODE, run from bindings/typescript.
 *
 * judge: read one JSON request per line on stdin, {"input": "<base64>"},
 * and answer each with one JSON line on stdout: the verdict of unmarshal
 * (reason and field when it fails; canonical bytes, the bytes with checksum
 * and the typed re-encoding of the payload when it succeeds). The Go test
 * compares every answer with protocol.Unmarshal's.
 *
 * interop: (0) start an HTTPReceiver on 127.0.0.1 (token env MIST_TOKEN)
 * and write {"receiver": "<url>"} as the first line on stdout; (1) send N
 * messages (env MIST_N, default 50) built by fixture(i) to the Go HTTP
 * receiver at env MIST_URL with HTTPSender; (2) receive N messages from the
 * Go HTTP sender and echo each on stdout: the same message with its payload
 * decoded into the typed value and re-encoded; (3) echo the same way every
 * message the Go sender writes on stdin, until the end of stdin (a torn
 * final line included); then exit 0.
 *
 * Anything unexpected exits non-zero with the reason on stderr.
 *
 * @module
 */

import { createInterface } from "node:readline";
import {
  HTTPReceiver,
  HTTPSender,
  Message,
  MistError,
  Stdio,
  TYPE_DATA_ENTITIES,
  TYPE_DATA_SCHEMA,
  TYPE_EVAL_RESULT,
  TYPE_EVAL_RUN,
  TYPE_HEALTH_PING,
  TYPE_HEALTH_PONG,
  TYPE_INFER_REQUEST,
  TYPE_INFER_RESPONSE,
  TYPE_TRACE_ALERT,
  TYPE_TRACE_SPAN,
  isPayloadType,
  newMessage,
  payloadCodecs,
  unmarshal,
} from "../index.js";

const SOURCE = "typescript-peer";

/** The i-th test payload. bindings/interop_test.go and the Python peer build exactly the same values. */
export function fixture(i: number): [string, unknown] {
  const s = `msg ${i}: <b>&amp;</b> h\u00e9llo \u{1f600} \u2028 "q" \\ \t end`;
  const f = i / 8 + 0.1;
  const big = 1e21 * (i + 1);
  const small = 1.5e-7 * (i + 1);
  switch (i % 10) {
    case 0:
      return [TYPE_DATA_ENTITIES, { count: i, format: "jsonl", path: `data/${i}.jsonl`, schema: i % 2 ? s : "" }];
    case 1:
      return [TYPE_DATA_SCHEMA, {
        name: s,
        fields: [{ name: "id", type: "string", required: true }, { name: s, type: "number", required: false }],
      }];
    case 2:
      return [TYPE_INFER_REQUEST, {
        model: "auto",
        messages: [{ role: "user", content: s }],
        params: { temperature: f, max_tokens: i, stop: ["<end>"], nested: { b: 1, a: [true, null] } },
        meta: { z: s, a: "x" },
      }];
    case 3:
      return [TYPE_INFER_RESPONSE, {
        model: "m", provider: "p", content: s, tokens_in: i, tokens_out: 2 * i, cost_usd: f,
        latency_ms: 3 * i, finish_reason: "stop",
      }];
    case 4:
      return [TYPE_EVAL_RUN, {
        suite: s, ...(i % 3 === 0 ? {} : { tasks: ["t1", s] }), baseline: i % 2 === 0,
        infer_url: "http://h/mist?a=1&b=2", tags: { k: s },
      }];
    case 5:
      return [TYPE_EVAL_RESULT, {
        suite: s, task: "t", passed: i % 2 === 1, score: f, baseline_score: small, delta: big,
        duration_ms: i, error: i % 2 ? s : "",
      }];
    case 6:
      return [TYPE_TRACE_SPAN, {
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7", operation: s,
        start_ns: 1_767_225_600_000_000_000n + BigInt(i * 1001), end_ns: 1_767_225_600_000_000_000n + BigInt(i * 1001 + 999),
        status: "ok", attrs: { i, f, s },
      }];
    case 7:
      return [TYPE_TRACE_ALERT, { level: "warning", metric: s, value: f, threshold: -f, message: s }];
    case 8:
      return [TYPE_HEALTH_PING, { from: s }];
    default:
      return [TYPE_HEALTH_PONG, { from: s, version: "1.2.3", uptime_s: i }];
  }
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");

function write(line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(line + "\n", (e) => (e ? reject(e) : resolve()));
  });
}

async function judge(): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    const req = JSON.parse(line) as { input: string };
    const data = Buffer.from(req.input, "base64");
    let resp: Record<string, unknown>;
    try {
      const m = unmarshal(data);
      resp = {
        ok: true,
        canonical: b64(m.marshal()),
        with_checksum: b64(m.marshalWithChecksum()),
        verified: m.verifyChecksum(),
      };
      if (m.payload.length > 0 && isPayloadType(m.type)) {
        try {
          const codec = payloadCodecs[m.type];
          resp["typed"] = b64(Buffer.from(codec.encode(m.decodeAs(m.type) as never), "utf8"));
        } catch (e) {
          if (!(e instanceof MistError)) throw e;
          resp["typed_error"] = e.code;
        }
      }
    } catch (e) {
      if (!(e instanceof MistError)) throw e;
      resp = { ok: false, code: e.code, reason: e.reason, field: e.field };
    }
    await write(JSON.stringify(resp));
  }
}

function echoOf(got: Message): Message {
  if (!got.verifyChecksum()) throw new Error(`message ${got.id}: checksum does not verify`);
  if (!isPayloadType(got.type)) throw new Error(`message ${got.id}: unexpected type ${got.type}`);
  const codec = payloadCodecs[got.type];
  const typed = got.decodeAs(got.type);
  return new Message({
    version: got.version, id: got.id, source: got.source, type: got.type,
    timestampNs: got.timestampNs, payload: codec.encode(typed as never),
  });
}

async function interop(): Promise<void> {
  const n = Number(process.env["MIST_N"] ?? "50");
  const url = process.env["MIST_URL"];
  if (!url) throw new Error("MIST_URL is not set");
  const receiver = new HTTPReceiver({ token: process.env["MIST_TOKEN"] ?? "" });
  await receiver.listen(0, "127.0.0.1");
  await write(JSON.stringify({ receiver: receiver.url }));
  const link = new Stdio();

  // 1. N messages to the Go HTTP receiver.
  const sender = new HTTPSender(url, { timeoutMs: 10_000 });
  for (let i = 0; i < n; i++) {
    const [type, payload] = fixture(i);
    await sender.send(newMessage(SOURCE, type, payload));
  }
  sender.close();

  // 2. N messages from the Go HTTP sender, echoed on stdout.
  for (let i = 0; i < n; i++) {
    await link.send(echoOf(await receiver.receive({ signal: AbortSignal.timeout(30_000) })));
  }
  await receiver.close();

  // 3. Echo stdin to stdout until the end of stdin.
  let echoed = 0;
  for await (const got of link) {
    await link.send(echoOf(got));
    echoed++;
  }
  process.stderr.write(`typescript peer: sent ${n} and received ${n} over http, echoed ${echoed} over stdio\n`);
}

const mode = process.argv[2] ?? "";
const run = mode === "judge" ? judge : mode === "interop" ? interop : undefined;
if (run === undefined) {
  process.stderr.write("usage: interop_peer.js judge|interop\n");
  process.exitCode = 2;
} else {
  run().catch((e: unknown) => {
    process.stderr.write(`typescript peer: ${e instanceof MistError ? e.toString() : e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
