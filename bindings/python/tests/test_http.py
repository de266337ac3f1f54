"""HTTPSender and HTTPReceiver: Go's status handling, codes and order."""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
import unittest
from typing import Any

import _support  # noqa: F401 - sets the import path

import mist

WAIT = 10.0
"""A deadline for waits that should end at once; reaching it fails the test."""


def message(n: int = 0) -> mist.Message:
    return mist.new("python-test", mist.TYPE_HEALTH_PING, mist.HealthPing(from_=f"test {n} <&>"))


class Stub:
    """An HTTP server that answers every request with the next queued reply
    and records what it got."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, bytes, dict[str, str]]] = []
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                stub.requests.append((self.command, self.path, dict(self.headers), body))
                status, reply, headers = stub.replies.pop(0) if stub.replies else (202, b"", {})
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mist"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SenderTest(unittest.TestCase):
    def setUp(self) -> None:
        self.stub = Stub()
        self.addCleanup(self.stub.close)

    def test_posts_the_message_with_its_checksum(self) -> None:
        m = message()
        mist.HTTPSender(self.stub.url, token="s3cret").send(m)
        method, path, headers, body = self.stub.requests[0]
        self.assertEqual((method, path), ("POST", "/mist"))
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["Authorization"], "Bearer s3cret")
        self.assertEqual(body, m.marshal_with_checksum())
        self.assertNotEqual(mist.unmarshal(body).checksum, 0)
        mist.HTTPSender(self.stub.url).send(m)
        self.assertNotIn("Authorization", self.stub.requests[1][2])

    def test_status_handling(self) -> None:
        receiver_error = b'{"code":"validation","message":"transport: bad message"}'
        tests = [
            (200, b"", None, False),
            (202, b"", None, False),
            (204, b"", None, False),
            (429, b"", "rate_limit", False),
            (500, b"", "unavailable", False),
            (502, b"oops", "unavailable", False),
            (503, b"", "unavailable", True),
            (400, receiver_error, "validation", False),
            (401, b"", "validation", False),
            (404, b"", "validation", False),
            (413, b"", "validation", False),
            (302, b"", "validation", False),  # redirects are not followed
        ]
        sender = mist.HTTPSender(self.stub.url)
        for status, body, code, full in tests:
            with self.subTest(status=status):
                headers = {"Location": "/elsewhere"} if status == 302 else {}
                self.stub.replies.append((status, body, headers))
                if code is None:
                    sender.send(message())
                    continue
                with self.assertRaises(mist.MistError) as cm:
                    sender.send(message())
                e = cm.exception
                self.assertEqual(e.code, code)
                self.assertEqual(e.meta["status"], str(status))
                self.assertEqual(isinstance(e, mist.FullError), full)
                self.assertIn(f"transport: http post {self.stub.url}: {status}", str(e))
                if body == receiver_error:
                    self.assertIn("validation: transport: bad message", str(e))
                if body == b"oops":
                    self.assertTrue(str(e).endswith(": oops"), str(e))

    def test_network_failure(self) -> None:
        sender = mist.HTTPSender(f"http://127.0.0.1:{free_port()}/mist", timeout=WAIT)
        with self.assertRaises(mist.MistError) as cm:
            sender.send(message())
        self.assertEqual(cm.exception.code, "transport")

    def test_refuses_before_sending(self) -> None:
        sender = mist.HTTPSender(self.stub.url)
        bad = [
            message(), None, mist.Message(version="1", id="", source="s", type="t", timestamp_ns=1),
            mist.Message(version="2", id="a", source="s", type="t", timestamp_ns=1),
            mist.Message(version="1", id="a", source="s", type="t", timestamp_ns=1, payload=b"{oops"),
            mist.Message(version="1", id="a", source="s", type="t", timestamp_ns=1,
                         payload=b'"' + b"x" * mist.MAX_MESSAGE_SIZE + b'"'),
        ]
        for m in bad[1:]:
            with self.subTest(m=repr(m)[:80]):
                with self.assertRaises(mist.MistError) as cm:
                    sender.send(m)  # type: ignore[arg-type]
                self.assertEqual(cm.exception.code, "validation")
        self.assertEqual(self.stub.requests, [])
        with self.assertRaises(mist.MistError) as cm:
            mist.HTTPSender("")
        self.assertEqual(cm.exception.code, "validation")
        sender.close()
        with self.assertRaises(mist.ClosedError):
            sender.send(bad[0])


class ReceiverTest(unittest.TestCase):
    def start(self, **kw: Any) -> mist.HTTPReceiver:
        r = mist.HTTPReceiver(**kw)
        self.addCleanup(r.close)
        r.listen("127.0.0.1", 0)
        return r

    def request(self, r: mist.HTTPReceiver, method: str, body: bytes = b"", headers: dict[str, str] | None = None,
                path: str = "/mist") -> tuple[int, dict[str, str], bytes]:
        host, port = r._server.server_address[:2]  # type: ignore[union-attr]
        conn = http.client.HTTPConnection(host, port, timeout=WAIT)
        try:
            conn.request(method, path, body=body if method != "GET" else None, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k: v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def assert_error_reply(self, reply: tuple[int, dict[str, str], bytes], status: int, code: str) -> mist.MistError:
        got_status, headers, body = reply
        self.assertEqual(got_status, status, body)
        self.assertEqual(headers["Content-Type"], "application/json")
        e = mist.MistError.from_json(body)
        self.assertEqual(e.code, code, body)
        return e

    def test_round_trip(self) -> None:
        r = self.start()
        sender = mist.HTTPSender(r.url)
        sent = [message(i) for i in range(20)]
        for m in sent:
            sender.send(m)
        for m in sent:
            got = r.receive(timeout=WAIT)
            self.assertEqual(got.marshal(), mist.unmarshal(m.marshal_with_checksum()).marshal())
            self.assertTrue(got.verify_checksum())

    def test_accepted(self) -> None:
        r = self.start()
        status, _, body = self.request(r, "POST", message().marshal_with_checksum(), {"Content-Type": "application/json"})
        self.assertEqual((status, body), (202, b""))
        # a message without a checksum is accepted too
        status, _, _ = self.request(r, "POST", message().marshal())
        self.assertEqual(status, 202)

    def test_rejections_in_go_order(self) -> None:
        r = self.start(token="s3cret")
        good = message().marshal_with_checksum()
        auth = {"Authorization": "Bearer s3cret"}
        # 405 comes before 401
        reply = self.request(r, "GET")
        self.assert_error_reply(reply, 405, "validation")
        self.assertEqual(reply[1]["Allow"], "POST")
        self.assert_error_reply(self.request(r, "PUT", good, auth), 405, "validation")
        # 401 without exactly "Bearer <token>"; it comes before 413 and 400
        for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "bearer s3cret"},
                        {"Authorization": "Bearer  s3cret"}, {"Authorization": "s3cret"}, {"Authorization": "Bearer s3creT"}]:
            with self.subTest(headers=headers):
                reply = self.request(r, "POST", b"{bad", headers)
                self.assert_error_reply(reply, 401, "auth")
                self.assertEqual(reply[1]["WWW-Authenticate"], "Bearer")
        # 400 for what unmarshal rejects, with its reason in the cause
        for body, reason in [(b"{bad", "json"), (b"", "json"), (good.replace(b'"version":"1"', b'"version":"99"'), "version"),
                             (good.replace(b"test", b"TEST"), "checksum")]:
            with self.subTest(body=body[:40]):
                e = self.assert_error_reply(self.request(r, "POST", body, auth), 400, "validation")
                self.assertEqual(e.message, "transport: bad message")
                self.assertIn(f"protocol: message", str(e.cause))
                self.assertTrue(reason == "json" or reason in str(e.cause), str(e.cause))
        self.assertEqual(self.request(r, "POST", good, auth)[0], 202)
        # spaces around the value are not part of it, as in Go
        self.assertEqual(self.request(r, "POST", good, {"Authorization": "Bearer s3cret \t"})[0], 202)

    def post_raw(self, r: mist.HTTPReceiver, body: Any, headers: dict[str, str],
                 chunked: bool = False) -> tuple[int, dict[str, str], bytes]:
        host, port = r._server.server_address[:2]  # type: ignore[union-attr]
        conn = http.client.HTTPConnection(host, port, timeout=WAIT)
        try:
            conn.request("POST", "/mist", body=body, headers=headers, encode_chunked=chunked)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    # Fixed on purpose: an 11 MiB message gets 413, and the client sending
    # it reads that reply (the receiver drains the body it refused).
    def test_too_large(self) -> None:
        r = self.start()
        big = b"x" * (11 << 20)
        # from Content-Length, before reading the body
        e = self.assert_error_reply(self.post_raw(r, big, {}), 413, "validation")
        self.assertIn(f"over the limit of {mist.MAX_MESSAGE_SIZE}", e.message)
        # by reading a chunked body up to MAX_MESSAGE_SIZE + 1 bytes
        chunks = iter([big[i:i + (1 << 20)] for i in range(0, len(big), 1 << 20)])
        self.assert_error_reply(self.post_raw(r, chunks, {"Transfer-Encoding": "chunked"}, True), 413, "validation")
        # one byte over the limit, and the limit itself
        over = b"x" * (mist.MAX_MESSAGE_SIZE + 1)
        self.assert_error_reply(self.post_raw(r, over, {}), 413, "validation")
        self.assert_error_reply(self.post_raw(r, over[:-1], {}), 400, "validation")  # read, then not JSON
        # a chunked body within the limit is read whole
        data = message().marshal_with_checksum()
        status, _, _ = self.post_raw(r, iter([data[:10], data[10:]]), {"Transfer-Encoding": "chunked"}, True)
        self.assertEqual(status, 202)

    # Fixed on purpose: a 2 MiB message is accepted.
    def test_two_mib(self) -> None:
        r = self.start()
        m = mist.new("python-test", "blob", "y" * (2 << 20))
        mist.HTTPSender(r.url).send(m)
        self.assertEqual(r.receive(timeout=WAIT).payload, m.payload)

    def test_inbox_full(self) -> None:
        r = self.start(inbox_size=2)
        sender = mist.HTTPSender(r.url)
        sender.send(message(1))
        sender.send(message(2))
        reply = self.request(r, "POST", message(3).marshal_with_checksum())
        self.assert_error_reply(reply, 503, "unavailable")
        self.assertEqual(reply[1]["Retry-After"], "1")
        with self.assertRaises(mist.FullError) as cm:
            sender.send(message(4))
        self.assertTrue(cm.exception.retryable)
        self.assertEqual(mist.HealthPing.from_dict(r.receive(timeout=WAIT).decode()).from_, "test 1 <&>")
        sender.send(message(5))  # room again

    def test_inbox_size_default(self) -> None:
        self.assertEqual(mist.HTTPReceiver().inbox_size, 256)
        self.assertEqual(mist.HTTPReceiver(inbox_size=0).inbox_size, 256)
        self.assertEqual(mist.HTTPReceiver(inbox_size=-3).inbox_size, 256)

    def test_other_paths(self) -> None:
        r = self.start()
        self.assert_error_reply(self.request(r, "POST", message().marshal(), path="/other"), 404, "not_found")
        self.assertEqual(self.request(r, "POST", message().marshal(), path="/mist?x=1")[0], 202)

    def test_receive_timeout_and_close(self) -> None:
        r = self.start()
        with self.assertRaises(mist.MistError) as cm:
            r.receive(timeout=0.01)
        self.assertEqual(cm.exception.code, "timeout")
        got: list[BaseException] = []
        waiting = threading.Thread(target=lambda: self._capture(got, r.receive))
        waiting.start()
        r.close()
        waiting.join(WAIT)
        self.assertFalse(waiting.is_alive(), "a waiting receive() did not end at close()")
        self.assertIsInstance(got[0], mist.ClosedError)
        with self.assertRaises(mist.ClosedError):
            r.receive(timeout=0)
        r.close()  # a second close does nothing

    @staticmethod
    def _capture(into: list[BaseException], fn: Any) -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            into.append(e)

    def test_serve_on_any_server_and_after_close(self) -> None:
        r = mist.HTTPReceiver()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                r.serve(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(WAIT)

        self.addCleanup(stop)
        url = f"http://127.0.0.1:{server.server_address[1]}/any/path"
        mist.HTTPSender(url).send(message())
        self.assertEqual(r.receive(timeout=WAIT).type, mist.TYPE_HEALTH_PING)
        r.close()
        with self.assertRaises(mist.FullError) as cm:  # 503
            mist.HTTPSender(url).send(message())
        self.assertIn("transport: receiver is closed", str(cm.exception))

    def test_listen_errors(self) -> None:
        r = self.start()
        with self.assertRaises(mist.MistError) as cm:
            r.listen("127.0.0.1", 0)
        self.assertEqual(cm.exception.code, "validation")
        host, port = r._server.server_address[:2]  # type: ignore[union-attr]
        other = mist.HTTPReceiver()
        with self.assertRaises(mist.MistError) as cm:
            other.listen(host, port)
        self.assertEqual(cm.exception.code, "transport")
        other.close()
        with self.assertRaises(mist.ClosedError):
            other.listen("127.0.0.1", 0)

    def test_error_body_is_gos(self) -> None:
        r = self.start()
        _, _, body = self.request(r, "GET")
        self.assertEqual(json.loads(body), {"code": "validation", "message": "transport: method GET not allowed, use POST"})


if __name__ == "__main__":
    unittest.main()
