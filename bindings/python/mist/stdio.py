"""MIST over JSON lines, as Go's transport.Stdio: one compact envelope per
line, on standard input and output or any pair of binary streams.

    link = Stdio()                      # sys.stdin.buffer / sys.stdout.buffer
    link.send(msg)                      # one line, flushed
    msg = link.receive(timeout=5)       # EOFError at the end of the input

Lines may end in "\\n" or "\\r\\n"; lines holding only spaces and tabs are
skipped; a line may hold up to MAX_MESSAGE_SIZE bytes. A line that is too
long or that unmarshal rejects raises MistError (code "protocol") from
that receive(), and the next receive() goes on after it. A final line
without "\\n" (a peer that stopped mid-line) is never returned: the reader
sees the end of the input and raises EOFError, without hanging.
"""

from __future__ import annotations

import collections
import sys
import threading
from typing import IO, Any, Iterator

from .envelope import MAX_MESSAGE_SIZE, Message, unmarshal
from .errors import PROTOCOL, TIMEOUT, TRANSPORT, VALIDATION, ClosedError, MistError
from .http import encode_for_send

_CHUNK = 64 << 10


class _EOF:
    pass


def read_line(r: IO[bytes], limit: int = MAX_MESSAGE_SIZE) -> bytes | MistError | None:
    """Read the next non-blank line from r without its line ending. Returns
    None at the end of the input (a torn final line is dropped) and a
    MistError (code "protocol", reason "size") for a line over limit bytes,
    whose bytes are consumed."""
    while True:
        line = r.readline(limit + 2)
        if not line:
            return None
        if not line.endswith(b"\n"):
            if len(line) < limit + 2:
                return None  # torn final line
            n = len(line)
            while True:  # too long: drop the rest of the line
                more = r.readline(_CHUNK)
                if not more:
                    return None
                n += len(more)
                if more.endswith(b"\n"):
                    break
            return _too_long(n - 1, limit)
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line.strip(b" \t"):
            continue
        if len(line) > limit:
            return _too_long(len(line), limit)
        return line


def _is_std(s: Any) -> bool:
    for f in (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__, sys.__stderr__):
        if f is not None and (s is f or s is getattr(f, "buffer", None)):
            return True
    return False


def _close_quietly(s: Any) -> None:
    try:
        s.close()
    except (OSError, ValueError):
        pass


def _too_long(n: int, limit: int) -> MistError:
    return MistError(PROTOCOL, f"transport: line of {n} bytes is over the limit of {limit}", meta={"reason": "size"})


class Stdio:
    """JSON lines over a binary reader and writer.

    With no arguments it uses sys.stdin.buffer and sys.stdout.buffer, which
    close() leaves open; streams passed in are closed by close().

    send() writes each line with one write and a flush, one send at a time.
    receive() reads through a thread that starts with the first receive()
    and reads one line ahead, so a receive() that times out loses nothing.
    The end of the input is final: every later receive() raises EOFError.

    Safe for use from several threads at once; each line goes to one
    receive(). A read already blocked when close() is called finishes in
    the background (the thread is a daemon).
    """

    def __init__(self, reader: IO[bytes] | None = None, writer: IO[bytes] | None = None) -> None:
        self._own = reader is not None or writer is not None
        self._r = reader if reader is not None else (None if self._own else sys.stdin.buffer)
        self._w = writer if writer is not None else (None if self._own else sys.stdout.buffer)
        self._wlock = threading.Lock()
        self._cond = threading.Condition()
        self._pending: collections.deque[Any] = collections.deque()
        self._end: BaseException | type[_EOF] | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    def send(self, msg: Message) -> None:
        """Write msg as one line. Raises MistError code "validation" for a
        message the receiver would reject, code "transport" when the write
        fails, ClosedError after close()."""
        if self._closed:
            raise ClosedError()
        data = encode_for_send(msg, line=True)
        if self._w is None:
            raise MistError(VALIDATION, "transport: stdio has no writer")
        with self._wlock:
            if self._closed:
                raise ClosedError()
            try:
                self._w.write(data)
                self._w.flush()
            except (OSError, ValueError) as e:
                if self._closed:
                    raise ClosedError() from None
                raise MistError(TRANSPORT, "transport: stdio write", cause=e) from None

    def receive(self, timeout: float | None = None) -> Message:
        """The next message, waiting at most timeout seconds (None: no
        limit). Raises EOFError at the end of the input, MistError code
        "protocol" for a bad line (the next call goes on after it), code
        "transport" for a read error, code "timeout" when the time runs
        out, and ClosedError after close()."""
        if self._closed:
            raise ClosedError()
        if self._r is None:
            raise MistError(VALIDATION, "transport: stdio has no reader")
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._read_loop, name="mist-stdio-reader", daemon=True)
                self._thread.start()
            ok = self._cond.wait_for(lambda: self._closed or self._pending or self._end is not None, timeout)
            if self._closed:
                raise ClosedError()
            if self._pending:
                item = self._pending.popleft()
                self._cond.notify_all()
            elif self._end is not None:
                item = self._end
            else:
                assert not ok
                raise MistError(TIMEOUT, "transport: receive timed out")
        if item is _EOF:
            raise EOFError("transport: end of input")
        if isinstance(item, BaseException):
            raise item
        return item

    def __iter__(self) -> Iterator[Message]:
        """Yield messages until the end of the input (bad lines raise)."""
        while True:
            try:
                yield self.receive()
            except EOFError:
                return

    def _read_loop(self) -> None:
        r = self._r
        assert r is not None
        while True:
            try:
                line = read_line(r)
            except (OSError, ValueError) as e:
                with self._cond:
                    self._end = EOFError("transport: end of input") if self._closed else MistError(
                        TRANSPORT, "transport: read", cause=e)
                    self._cond.notify_all()
                return
            if line is None:
                with self._cond:
                    self._end = _EOF
                    self._cond.notify_all()
                return
            item: Any
            if isinstance(line, MistError):
                item = line
            else:
                try:
                    item = unmarshal(line)
                except MistError as e:
                    item = e
            with self._cond:
                self._pending.append(item)
                self._cond.notify_all()
                # One line read ahead: wait until it is taken.
                self._cond.wait_for(lambda: self._closed or not self._pending)
                if self._closed:
                    return

    def close(self) -> None:
        """Make every later call raise ClosedError, wake waiting receive()
        calls, and close the streams that were passed in (never the
        standard streams). A second close() does nothing.

        The writer is closed before close() returns, unless a write in
        progress keeps it for more than 5 s. The reader is closed in the
        background: a buffered stream's close() waits for a read in
        progress on another thread, and a read blocked on a silent peer
        ends only when the peer writes or goes away (the reader thread is a
        daemon, so it never keeps the process alive)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        if not self._own:
            return
        if self._r is not None and not _is_std(self._r):
            threading.Thread(target=_close_quietly, args=(self._r,), name="mist-stdio-close-reader", daemon=True).start()
        if self._w is not None and not _is_std(self._w):
            closer = threading.Thread(target=_close_quietly, args=(self._w,), name="mist-stdio-close-writer", daemon=True)
            closer.start()
            closer.join(5)

    def __enter__(self) -> Stdio:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
