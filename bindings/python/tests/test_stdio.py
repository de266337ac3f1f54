"""Stdio: JSON lines with Go's rules; a peer that goes away never hangs
the reader."""

from __future__ import annotations

import io
import os
import threading
import unittest
from typing import IO

import _support  # noqa: F401 - sets the import path

import mist
from mist import stdio

WAIT = 10.0
"""A deadline for waits that should end at once; reaching it fails the test."""


def message(n: int = 0) -> mist.Message:
    return mist.new("python-test", mist.TYPE_HEALTH_PONG, mist.HealthPong(from_=f"p{n}", version="1", uptime_s=n))


def line(m: mist.Message) -> bytes:
    return m.marshal_with_checksum() + b"\n"


def pipe() -> tuple[IO[bytes], IO[bytes]]:
    r, w = os.pipe()
    return os.fdopen(r, "rb"), os.fdopen(w, "wb")


class ReadTest(unittest.TestCase):
    def reader(self, data: bytes) -> mist.Stdio:
        s = mist.Stdio(io.BytesIO(data))
        self.addCleanup(s.close)
        return s

    def test_lines(self) -> None:
        a, b, c = message(1), message(2), message(3)
        data = (line(a) + b"\n  \t\n" + line(b).replace(b"\n", b"\r\n") + b"\r\n" + line(c))
        s = self.reader(data)
        for want in (a, b, c):
            self.assertEqual(s.receive(timeout=WAIT).marshal(), mist.unmarshal(want.marshal_with_checksum()).marshal())
        for _ in range(2):  # the end of the input is final
            with self.assertRaises(EOFError):
                s.receive(timeout=WAIT)

    def test_bad_lines_are_errors_and_reading_goes_on(self) -> None:
        good = message(1)
        bad_checksum = line(message(2)).replace(b'"p2"', b'"p9"')
        data = b"{not json\n" + bad_checksum + line(good) + b'{"version":"99"}\n'
        s = self.reader(data)
        for reason in ("json", "checksum"):
            with self.assertRaises(mist.MistError) as cm:
                s.receive(timeout=WAIT)
            self.assertEqual((cm.exception.code, cm.exception.reason), ("protocol", reason))
        self.assertEqual(s.receive(timeout=WAIT).id, good.id)
        with self.assertRaises(mist.MistError) as cm:
            s.receive(timeout=WAIT)
        self.assertEqual(cm.exception.reason, "missing_field")
        with self.assertRaises(EOFError):
            s.receive(timeout=WAIT)

    def test_torn_final_line_is_dropped(self) -> None:
        m = message(1)
        s = self.reader(line(m) + line(message(2))[:-1])  # the second line has no "\n"
        self.assertEqual(s.receive(timeout=WAIT).id, m.id)
        with self.assertRaises(EOFError):
            s.receive(timeout=WAIT)

    def test_line_limit(self) -> None:
        tests = [
            (b"abc\n", b"abc"),
            (b"abcd\n", "size"),
            (b"abc\r\n", b"abc"),  # the "\r" does not count
            (b"abcde\r\n", "size"),
            (b"x" * 100 + b"\n", "size"),
        ]
        for data, want in tests:
            with self.subTest(data=data[:20]):
                r = io.BytesIO(data + b"ok\n")
                got = stdio.read_line(r, limit=3)
                if isinstance(want, str):
                    self.assertIsInstance(got, mist.MistError)
                    self.assertEqual((got.code, got.reason), ("protocol", want))  # type: ignore[union-attr]
                    self.assertEqual(stdio.read_line(r, limit=3), b"ok")  # the next line is read
                else:
                    self.assertEqual(got, want)

    def test_torn_lines(self) -> None:
        for data in [b"abc", b"abcdefgh", b"ab\n\nabcdefgh"]:
            with self.subTest(data=data):
                r = io.BytesIO(data)
                got = [stdio.read_line(r, limit=3) for _ in range(2)]
                self.assertEqual(got, [b"ab", None] if data.startswith(b"ab\n") else [None, None])

    # Fixed on purpose (as for Go's File and Stdio): a 2 MiB line is
    # readable, and a line over the limit is an error the reader gets past.
    def test_big_lines(self) -> None:
        two = mist.new("python-test", "blob", "y" * (2 << 20))
        data = line(two) + b"x" * (mist.MAX_MESSAGE_SIZE + 1) + b"\n" + line(message(1))
        s = self.reader(data)
        self.assertEqual(s.receive(timeout=WAIT).payload, two.payload)
        with self.assertRaises(mist.MistError) as cm:
            s.receive(timeout=WAIT)
        self.assertEqual(cm.exception.reason, "size")
        self.assertEqual(s.receive(timeout=WAIT).type, mist.TYPE_HEALTH_PONG)


class PipeTest(unittest.TestCase):
    def link(self) -> tuple[mist.Stdio, mist.Stdio]:
        r, w = pipe()
        reader, writer = mist.Stdio(r), mist.Stdio(None, w)
        self.addCleanup(reader.close)
        self.addCleanup(writer.close)
        return reader, writer

    def test_in_order(self) -> None:
        reader, writer = self.link()
        sent = [message(i) for i in range(100)]
        t = threading.Thread(target=lambda: [writer.send(m) for m in sent])
        t.start()
        got = [reader.receive(timeout=WAIT) for _ in sent]
        t.join(WAIT)
        self.assertEqual([m.id for m in got], [m.id for m in sent])
        self.assertTrue(all(m.verify_checksum() and m.checksum != 0 for m in got))

    def test_writes_what_go_reads(self) -> None:
        r, w = pipe()
        writer = mist.Stdio(None, w)
        m = message(7)
        writer.send(m)
        writer.close()  # closes w: the reader sees the end
        self.assertEqual(r.read(), m.marshal_with_checksum() + b"\n")
        r.close()

    # A peer that stops mid-line and goes away must not hang the reader.
    def test_peer_closes_mid_stream(self) -> None:
        r, w = pipe()
        reader = mist.Stdio(r)
        self.addCleanup(reader.close)
        m = message(1)
        w.write(line(m) + line(message(2))[:25])
        w.flush()
        self.assertEqual(reader.receive(timeout=WAIT).id, m.id)
        w.close()
        with self.assertRaises(EOFError):  # not a timeout
            reader.receive(timeout=WAIT)

    def test_concurrent_receives_get_each_line_once(self) -> None:
        reader, writer = self.link()
        sent = [message(i) for i in range(200)]
        got: list[str] = []
        lock = threading.Lock()

        def take() -> None:
            while True:
                try:
                    m = reader.receive(timeout=WAIT)
                except EOFError:
                    return
                with lock:
                    got.append(m.id)

        takers = [threading.Thread(target=take) for _ in range(4)]
        for t in takers:
            t.start()
        for m in sent:
            writer.send(m)
        writer.close()
        for t in takers:
            t.join(WAIT)
            self.assertFalse(t.is_alive())
        self.assertEqual(sorted(got), sorted(m.id for m in sent))

    def test_timeout_loses_nothing(self) -> None:
        reader, writer = self.link()
        with self.assertRaises(mist.MistError) as cm:
            reader.receive(timeout=0.01)
        self.assertEqual(cm.exception.code, "timeout")
        m = message(3)
        writer.send(m)
        self.assertEqual(reader.receive(timeout=WAIT).id, m.id)

    def test_close(self) -> None:
        reader, writer = self.link()
        got: list[BaseException] = []

        def wait() -> None:
            try:
                reader.receive()
            except BaseException as e:  # noqa: BLE001 - handed to the test
                got.append(e)

        t = threading.Thread(target=wait)
        t.start()
        reader.close()
        t.join(WAIT)
        self.assertFalse(t.is_alive(), "a waiting receive() did not end at close()")
        self.assertIsInstance(got[0], mist.ClosedError)
        with self.assertRaises(mist.ClosedError):
            reader.receive(timeout=0)
        reader.close()  # a second close does nothing
        writer.close()
        with self.assertRaises(mist.ClosedError):
            writer.send(message())

    def test_send_refuses_bad_messages(self) -> None:
        _, writer = self.link()
        for m in [None, mist.Message(), mist.Message(version="1", id="a", source="s", type="t", timestamp_ns=1, payload=b"{")]:
            with self.subTest(m=m):
                with self.assertRaises(mist.MistError) as cm:
                    writer.send(m)  # type: ignore[arg-type]
                self.assertEqual(cm.exception.code, "validation")

    def test_write_failure(self) -> None:
        r, w = pipe()
        r.close()  # nobody reads: the write fails
        writer = mist.Stdio(None, w)
        self.addCleanup(writer.close)
        with self.assertRaises(mist.MistError) as cm:
            writer.send(message())
        self.assertEqual(cm.exception.code, "transport")

    def test_standard_streams_stay_open(self) -> None:
        s = mist.Stdio()
        s.close()
        import sys
        self.assertFalse(sys.stdin.closed)
        self.assertFalse(sys.stdout.closed)

    def test_iterates_to_the_end(self) -> None:
        msgs = [message(i) for i in range(3)]
        s = mist.Stdio(io.BytesIO(b"".join(line(m) for m in msgs)))
        self.addCleanup(s.close)
        self.assertEqual([m.id for m in s], [m.id for m in msgs])


if __name__ == "__main__":
    unittest.main()
