"""The Python peer of the Go interop tests (bindings/interop_test.go).

Usage: python3 tests/interop_peer.py MODE, run from bindings/python.

judge
    Read one JSON request per line on stdin, {"input": "<base64>"}, and
    answer each with one JSON line on stdout: the verdict of unmarshal
    (reason and field when it fails; canonical bytes, the bytes with
    checksum and the typed re-encoding of the payload when it succeeds).
    The Go test compares every answer with protocol.Unmarshal's.

interop
    0. Start an HTTPReceiver on 127.0.0.1 (token env MIST_TOKEN) and write
       {"receiver": "<url>"} as the first line on stdout.
    1. Send N messages (env MIST_N, default 50) built by fixture(i) to the
       Go HTTP receiver at env MIST_URL with HTTPSender.
    2. Receive N messages from the Go HTTP sender and echo each on stdout:
       the same message with its payload decoded into the typed class and
       re-encoded.
    3. Echo the same way every message the Go sender writes on stdin, until
       the end of stdin (a torn final line included); then exit 0.

Anything unexpected exits non-zero with the reason on stderr.
"""

from __future__ import annotations

import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import mist  # noqa: E402
from mist import Message  # noqa: E402

SOURCE = "python-peer"


def fixture(i: int) -> tuple[str, object]:
    """The i-th test payload. bindings/interop_test.go and the TypeScript
    peer build exactly the same values."""
    s = f'msg {i}: <b>&amp;</b> h\u00e9llo \U0001f600 \u2028 "q" \\ \t end'
    f = i / 8 + 0.1
    big = 1e21 * (i + 1)
    small = 1.5e-7 * (i + 1)
    k = i % 10
    if k == 0:
        return mist.TYPE_DATA_ENTITIES, mist.DataEntities(
            count=i, format="jsonl", path=f"data/{i}.jsonl", schema=s if i % 2 else "")
    if k == 1:
        return mist.TYPE_DATA_SCHEMA, mist.DataSchema(name=s, fields=[
            mist.SchemaField(name="id", type="string", required=True),
            mist.SchemaField(name=s, type="number", required=False)])
    if k == 2:
        return mist.TYPE_INFER_REQUEST, mist.InferRequest(
            model="auto", messages=[mist.ChatMessage(role="user", content=s)],
            params={"temperature": f, "max_tokens": i, "stop": ["<end>"], "nested": {"b": 1, "a": [True, None]}},
            meta={"z": s, "a": "x"})
    if k == 3:
        return mist.TYPE_INFER_RESPONSE, mist.InferResponse(
            model="m", provider="p", content=s, tokens_in=i, tokens_out=2 * i, cost_usd=f,
            latency_ms=3 * i, finish_reason="stop")
    if k == 4:
        return mist.TYPE_EVAL_RUN, mist.EvalRun(
            suite=s, tasks=None if i % 3 == 0 else ["t1", s], baseline=i % 2 == 0,
            infer_url="http://h/mist?a=1&b=2", tags={"k": s})
    if k == 5:
        return mist.TYPE_EVAL_RESULT, mist.EvalResult(
            suite=s, task="t", passed=i % 2 == 1, score=f, baseline_score=small, delta=big,
            duration_ms=i, error=s if i % 2 else "")
    if k == 6:
        return mist.TYPE_TRACE_SPAN, mist.TraceSpan(
            trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7", operation=s,
            start_ns=1_767_225_600_000_000_000 + i * 1001, end_ns=1_767_225_600_000_000_000 + i * 1001 + 999,
            status="ok", attrs={"i": i, "f": f, "s": s})
    if k == 7:
        return mist.TYPE_TRACE_ALERT, mist.TraceAlert(level="warning", metric=s, value=f, threshold=-f, message=s)
    if k == 8:
        return mist.TYPE_HEALTH_PING, mist.HealthPing(from_=s)
    return mist.TYPE_HEALTH_PONG, mist.HealthPong(from_=s, version="1.2.3", uptime_s=i)


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def judge() -> None:
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        req = json.loads(line)
        data = base64.b64decode(req["input"])
        try:
            m = mist.unmarshal(data)
        except mist.MistError as e:
            resp = {"ok": False, "code": e.code, "reason": e.reason, "field": e.field}
        else:
            resp = {
                "ok": True,
                "canonical": b64(m.marshal()),
                "with_checksum": b64(m.marshal_with_checksum()),
                "verified": m.verify_checksum(),
            }
            if m.payload and m.type in mist.PAYLOAD_TYPES:
                try:
                    resp["typed"] = b64(m.decode_as().to_json())
                except mist.MistError as e:
                    resp["typed_error"] = e.code
        out.write(json.dumps(resp).encode() + b"\n")
        out.flush()


def echo_of(got: Message) -> Message:
    """got with its payload decoded into the typed class and re-encoded."""
    if not got.verify_checksum():
        sys.exit(f"message {got.id}: checksum does not verify")
    typed = got.decode_as()
    return Message(version=got.version, id=got.id, source=got.source, type=got.type,
                   timestamp_ns=got.timestamp_ns, payload=typed.to_json())


def interop() -> None:
    n = int(os.environ.get("MIST_N", "50"))
    url = os.environ["MIST_URL"]
    receiver = mist.HTTPReceiver(token=os.environ.get("MIST_TOKEN", ""))
    receiver.listen("127.0.0.1", 0)
    out = sys.stdout.buffer
    out.write(json.dumps({"receiver": receiver.url}).encode() + b"\n")
    out.flush()
    link = mist.Stdio()

    # 1. N messages to the Go HTTP receiver.
    sender = mist.HTTPSender(url, timeout=10)
    for i in range(n):
        typ, payload = fixture(i)
        sender.send(mist.new(SOURCE, typ, payload))
    sender.close()

    # 2. N messages from the Go HTTP sender, echoed on stdout.
    for _ in range(n):
        link.send(echo_of(receiver.receive(timeout=30)))
    receiver.close()

    # 3. Echo stdin to stdout until the end of stdin.
    echoed = 0
    while True:
        try:
            got = link.receive(timeout=30)
        except EOFError:
            break
        link.send(echo_of(got))
        echoed += 1
    print(f"python peer: sent {n} and received {n} over http, echoed {echoed} over stdio", file=sys.stderr)


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "judge":
        judge()
    elif mode == "interop":
        interop()
    else:
        sys.exit(f"usage: {sys.argv[0]} judge|interop")


if __name__ == "__main__":
    main()
