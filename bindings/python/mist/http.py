"""MIST over HTTP, with the status codes and order of Go's transport.HTTP.

HTTPSender POSTs each message (with its checksum) as application/json::

    sender = HTTPSender("http://127.0.0.1:8080/mist", token="s3cret")
    sender.send(msg)

2xx is success; 429 raises MistError code "rate_limit"; 503 raises
FullError (code "unavailable"); any other 5xx code "unavailable"; any other
status code "validation" (never worth retrying); a network failure code
"transport". Every status error has meta["status"], e.g. "503".

HTTPReceiver serves POSTs and queues the messages for receive()::

    receiver = HTTPReceiver(token="s3cret")
    host, port = receiver.listen("127.0.0.1", 0)   # serves /mist
    msg = receiver.receive(timeout=5)
    receiver.close()

It answers, checking in this order: 503 after close; 405 (Allow: POST) for
another method; 401 (WWW-Authenticate: Bearer) without exactly
"Authorization: Bearer <token>" when a token is set; 413 for a body over
MAX_MESSAGE_SIZE; 400 when unmarshal rejects it; 503 (Retry-After: 1) when
the inbox (256 messages by default) is full; otherwise 202 with an empty
body. Every non-2xx reply is an error JSON body, as Go writes it.
"""

from __future__ import annotations

import collections
import hmac
import http.client
import http.server
import ipaddress
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from . import envelope
from .envelope import MAX_MESSAGE_SIZE, Message
from .errors import (
    AUTH,
    NOT_FOUND,
    RATE_LIMIT,
    TIMEOUT,
    TRANSPORT,
    UNAVAILABLE,
    VALIDATION,
    ClosedError,
    FullError,
    MistError,
)

MAX_RESPONSE_BODY = 64 << 10
DEFAULT_INBOX = 256
DEFAULT_PATH = "/mist"
_MAX_DETAIL = 512


def encode_for_send(msg: Message, line: bool = False) -> bytes:
    """The wire form of msg (marshal_with_checksum, plus "\\n" for a line),
    after the checks Go's transports make before sending: validate,
    check_version and the size limit. Raises MistError code "validation"."""
    if not isinstance(msg, Message):
        raise MistError(VALIDATION, "transport: message is nil")
    try:
        msg.validate()
        envelope.check_version(msg.version)
    except MistError as e:
        raise MistError(VALIDATION, "transport: invalid message", cause=e) from None
    try:
        data = msg.marshal_with_checksum()
    except MistError as e:
        raise MistError(VALIDATION, "transport: encode message", cause=e) from None
    if len(data) > MAX_MESSAGE_SIZE:
        raise MistError(
            VALIDATION,
            f"transport: {msg.type} message is {len(data)} bytes, over the limit of {MAX_MESSAGE_SIZE}",
            meta={"reason": "size"},
        )
    return data + b"\n" if line else data


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx reply is returned as an error status


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _detail(body: bytes) -> str:
    body = body.strip()
    if not body:
        return ""
    try:
        e = MistError.from_json(body)
        if e.code:
            text = str(e)
        else:
            raise ValueError
    except (MistError, ValueError):
        text = body.decode("utf-8", "replace")
    if len(text.encode()) > _MAX_DETAIL:
        text = text.encode()[:_MAX_DETAIL].decode("utf-8", "ignore") + "…"
    return text


def status_error(target: str, status: int, body: bytes) -> MistError:
    """The error for a non-2xx reply, classified as Go's sender does."""
    code = VALIDATION
    if status == 429:
        code = RATE_LIMIT
    elif 500 <= status <= 599:
        code = UNAVAILABLE
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    text = f"transport: http post {target}: {status} {phrase}".rstrip()
    d = _detail(body)
    if d:
        text += ": " + d
    meta = {"status": str(status)}
    if status == 503:
        return FullError(text, meta=meta, cause=FullError())
    return MistError(code, text, meta=meta)


class HTTPSender:
    """Sends messages by POSTing them to a MIST receiver.

    url is used exactly as given (a Go receiver started with Listen serves
    /mist). token adds "Authorization: Bearer <token>". timeout (seconds,
    default 10) bounds each send. TLS is 1.2 or later; the proxy settings
    of the environment apply, except for loopback hosts; redirects are not
    followed (a 3xx reply is an error with code "validation").

    Safe for use from several threads at once.
    """

    def __init__(self, url: str, *, token: str = "", timeout: float = 10.0) -> None:
        if not url:
            raise MistError(VALIDATION, "transport: http: no target url")
        self.url = url
        self.token = token
        self.timeout = timeout
        ctx = ssl.create_default_context()
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        handlers: list[Any] = [_NoRedirect(), urllib.request.HTTPSHandler(context=ctx)]
        host = urllib.parse.urlsplit(url).hostname or ""
        if _is_loopback(host):
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)
        self._closed = False

    def send(self, msg: Message) -> None:
        """POST msg; see the module for the outcomes. Raises ClosedError
        after close()."""
        if self._closed:
            raise ClosedError()
        data = encode_for_send(msg)
        req = urllib.request.Request(self.url, data=data, method="POST")
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                resp.read(MAX_RESPONSE_BODY)
                status = resp.status
                body = b""
        except urllib.error.HTTPError as e:
            status = e.code
            try:
                body = e.read(MAX_RESPONSE_BODY)
            except (OSError, http.client.HTTPException):
                body = b""
            finally:
                e.close()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            raise MistError(TRANSPORT, f"transport: http post {self.url}", cause=e) from None
        if 200 <= status < 300:
            return
        raise status_error(self.url, status, body)

    def close(self) -> None:
        """Make later sends raise ClosedError."""
        self._closed = True

    def __enter__(self) -> HTTPSender:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class HTTPReceiver:
    """Receives the messages POSTed to it; see the module for the replies.

    serve(handler) answers one request from any http.server handler
    (whatever its path); listen() runs a threaded server of its own that
    serves path (default "/mist") and answers 404 elsewhere. receive()
    returns queued messages in arrival order.

    Safe for use from several threads at once. close() stops the server
    (waiting for it), drops the queued messages, and makes receive() raise
    ClosedError, including a receive() that is waiting.
    """

    def __init__(self, *, token: str = "", inbox_size: int = DEFAULT_INBOX, path: str = DEFAULT_PATH) -> None:
        self.token = token
        self.inbox_size = inbox_size if inbox_size >= 1 else DEFAULT_INBOX
        self.path = path
        self._cond = threading.Condition()
        self._inbox: collections.deque[Message] = collections.deque()
        self._closed = False
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- receiving side --

    def receive(self, timeout: float | None = None) -> Message:
        """The next queued message, waiting at most timeout seconds (None:
        no limit). Raises ClosedError after close(), MistError code
        "timeout" when the time runs out."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._closed or self._inbox, timeout):
                raise MistError(TIMEOUT, "transport: receive timed out")
            if self._closed:
                raise ClosedError()
            return self._inbox.popleft()

    def _offer(self, msg: Message) -> str:
        with self._cond:
            if self._closed:
                return "closed"
            if len(self._inbox) >= self.inbox_size:
                return "full"
            self._inbox.append(msg)
            self._cond.notify()
            return "ok"

    # -- HTTP side --

    def serve(self, h: http.server.BaseHTTPRequestHandler) -> None:
        """Answer the request h is handling, as Go's Handler does."""
        if self._closed:
            self._reply_error(h, 503, MistError(UNAVAILABLE, "transport: receiver is closed"), close=True)
            return
        if h.command != "POST":
            self._reply_error(h, 405, MistError(VALIDATION, f"transport: method {h.command} not allowed, use POST"),
                              headers={"Allow": "POST"}, close=True)
            return
        if self.token:
            # Go's server, like every HTTP server, drops the spaces and tabs
            # around a header value.
            got = (h.headers.get("Authorization") or "").strip(" \t").encode("latin-1", "replace")
            if not hmac.compare_digest(got, ("Bearer " + self.token).encode("latin-1", "replace")):
                self._reply_error(h, 401, MistError(AUTH, "transport: missing or wrong bearer token"),
                                  headers={"WWW-Authenticate": "Bearer"}, close=True)
                return
        try:
            body = self._read_body(h)
        except _TooLarge as e:
            self._reply_error(h, 413, MistError(VALIDATION, str(e)), close=True)
            return
        except (OSError, ValueError, http.client.HTTPException) as e:
            self._reply_error(h, 400, MistError(VALIDATION, "transport: read request body", cause=e), close=True)
            return
        try:
            msg = envelope.unmarshal(body)
        except MistError as e:
            self._reply_error(h, 400, MistError(VALIDATION, "transport: bad message", cause=e))
            return
        outcome = self._offer(msg)
        if outcome == "closed":
            self._reply_error(h, 503, MistError(UNAVAILABLE, "transport: receiver is closed"))
        elif outcome == "full":
            self._reply_error(h, 503, MistError(UNAVAILABLE, "transport: inbox is full"),
                              headers={"Retry-After": "1"})
        else:
            h.send_response(202)
            h.send_header("Content-Length", "0")
            h.end_headers()

    def _read_body(self, h: http.server.BaseHTTPRequestHandler) -> bytes:
        te = (h.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            return _read_chunked(h.rfile, MAX_MESSAGE_SIZE + 1)
        cl = h.headers.get("Content-Length")
        if cl is None:
            return b""
        cl = cl.strip()
        if not cl.isdigit():
            raise ValueError(f"bad Content-Length {cl!r}")
        n = int(cl)
        if n > MAX_MESSAGE_SIZE:
            raise _TooLarge(f"transport: message is {n} bytes, over the limit of {MAX_MESSAGE_SIZE}")
        body = h.rfile.read(n)
        if len(body) < n:
            raise ValueError("unexpected EOF")
        return body

    @staticmethod
    def _reply_error(
        h: http.server.BaseHTTPRequestHandler,
        status: int,
        err: MistError,
        headers: dict[str, str] | None = None,
        close: bool = False,
    ) -> None:
        body = err.to_json()
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Type", "application/json")
        h.send_header("X-Content-Type-Options", "nosniff")
        h.send_header("Content-Length", str(len(body)))
        if close:  # the body may be unread: end the connection
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)
        if close:
            _linger(h)

    def listen(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Start a server on (host, port) in a background thread, serving
        self.path, and return the address it listens on (port 0 picks a
        free port). Raises MistError code "transport" when it cannot
        listen, ClosedError after close()."""
        if self._closed:
            raise ClosedError()
        if self._server is not None:
            raise MistError(VALIDATION, "transport: receiver is already listening")
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):
                    return self._any
                raise AttributeError(name)

            def _any(self) -> None:
                if urllib.parse.urlsplit(self.path).path != receiver.path:
                    receiver._reply_error(self, 404, MistError(NOT_FOUND, f"transport: no receiver at {self.path}"),
                                          close=True)
                    return
                receiver.serve(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            if infos and infos[0][0] == socket.AF_INET6:
                Server.address_family = socket.AF_INET6
            server = Server((host, port), Handler)
        except OSError as e:
            raise MistError(TRANSPORT, f"transport: listen {host}:{port}", cause=e) from None
        self._server = server
        # serve_forever checks for shutdown() between select() calls of at
        # most poll_interval seconds: that bounds how long close() waits.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="mist-http-receiver", daemon=True)
        self._thread.start()
        return server.server_address[0], server.server_address[1]

    @property
    def url(self) -> str:
        """The URL to send to once listen() has run."""
        if self._server is None:
            raise MistError(VALIDATION, "transport: receiver is not listening")
        host, port = self._server.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}{self.path}"

    def close(self) -> None:
        """Stop serving (waiting for the server thread), drop the queued
        messages, and wake waiting receive() calls with ClosedError. A
        second close() does nothing."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._inbox.clear()
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> HTTPReceiver:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _TooLarge(Exception):
    pass


_LINGER_SECONDS = 5.0
_LINGER_BYTES = 4 * MAX_MESSAGE_SIZE


def _linger(h: http.server.BaseHTTPRequestHandler) -> None:
    """Send the reply, then read and drop what the client still sends until
    it closes (at most _LINGER_SECONDS and _LINGER_BYTES), as Go's server
    does before closing a connection whose request body was not read.
    Closing at once with unread data would reset the connection, and the
    client could lose the reply (the 413 of an oversize POST, say)."""
    try:
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + _LINGER_SECONDS
        n = 0
        while n < _LINGER_BYTES:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            h.connection.settimeout(left)
            b = h.rfile.read1(64 << 10)
            if not b:
                break
            n += len(b)
    except (OSError, ValueError):
        pass  # the client is gone: nothing left to protect


def _read_chunked(r: Any, limit: int) -> bytes:
    """Read a chunked body, raising _TooLarge once it passes limit - 1."""
    out = bytearray()
    while True:
        line = r.readline(1024)
        if not line.endswith(b"\n"):
            raise ValueError("bad chunk header")
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while True:  # trailers
                t = r.readline(1024)
                if t in (b"\r\n", b"\n", b""):
                    return bytes(out)
        if len(out) + size >= limit:
            raise _TooLarge(f"transport: message is over the limit of {limit - 1} bytes")
        chunk = r.read(size)
        if len(chunk) < size:
            raise ValueError("unexpected EOF")
        out += chunk
        r.readline(2)
