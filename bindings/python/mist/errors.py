"""Coded errors, mirroring the Go package errors.

Every error this package raises is a MistError (or a subclass) with a
machine-readable ``code``, a ``message``, string ``meta`` data and an
optional ``cause``. Its JSON form is the one Go's ``*errors.Error`` writes:
``{"code","message","meta"?,"cause"?}``, so errors cross process
boundaries in both directions (the HTTP receivers put it in every non-2xx
reply).
"""

from __future__ import annotations

from typing import Any

INTERNAL = "internal"
TIMEOUT = "timeout"
CANCELLED = "cancelled"
TRANSPORT = "transport"
PROTOCOL = "protocol"
VALIDATION = "validation"
NOT_FOUND = "not_found"
UNAVAILABLE = "unavailable"
RATE_LIMIT = "rate_limit"
AUTH = "auth"
CONFLICT = "conflict"

# code -> (HTTP status, exit code, retryable), as in Go's table.
_TABLE: dict[str, tuple[int, int, bool]] = {
    INTERNAL: (500, 1, True),
    TIMEOUT: (504, 5, True),
    CANCELLED: (499, 130, False),
    TRANSPORT: (500, 7, True),
    PROTOCOL: (500, 8, False),
    VALIDATION: (400, 2, False),
    NOT_FOUND: (404, 3, False),
    UNAVAILABLE: (503, 6, True),
    RATE_LIMIT: (429, 9, True),
    AUTH: (401, 4, False),
    CONFLICT: (409, 10, False),
}


def http_status(code: str) -> int:
    """The HTTP status for code: 200 for "" (no error), 500 if unknown."""
    if code == "":
        return 200
    return _TABLE.get(code, (500, 1, False))[0]


def exit_code(code: str) -> int:
    """The process exit code for code: 0 for "" (no error), 1 if unknown."""
    if code == "":
        return 0
    return _TABLE.get(code, (500, 1, False))[1]


class MistError(Exception):
    """An error with a code, a message, string metadata and a cause.

    ``str(err)`` is ``"<code>: <message>"`` followed by ``": <cause>"`` when
    there is a cause, as Go's Error() writes it. For envelope errors,
    ``meta["reason"]`` is the reason class ("size", "json", "field_type",
    "missing_field", "timestamp", "version" or "checksum") and
    ``meta["field"]`` the field at fault, as in Go.

    A MistError is not changed after it is raised; share it freely.
    """

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        meta: dict[str, str] | None = None,
        cause: BaseException | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.meta: dict[str, str] = dict(meta or {})
        self.cause = cause
        if cause is not None:
            self.__cause__ = cause
        super().__init__(str(self))

    def __str__(self) -> str:
        s = self.code
        if self.message:
            s += ": " + self.message
        if self.cause is not None:
            s += ": " + str(self.cause)
        return s

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, meta={self.meta!r})"

    @property
    def reason(self) -> str:
        """meta["reason"], or "" when there is none."""
        return self.meta.get("reason", "")

    @property
    def field(self) -> str:
        """meta["field"], or "" when there is none."""
        return self.meta.get("field", "")

    @property
    def retryable(self) -> bool:
        """Whether the code is retryable in Go's table (unknown: no)."""
        return _TABLE.get(self.code, (500, 1, False))[2]

    @property
    def http_status(self) -> int:
        return http_status(self.code)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object Go writes: code, message, meta?, cause?."""
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.meta:
            d["meta"] = dict(self.meta)
        if self.cause is not None:
            d["cause"] = str(self.cause)
        return d

    def to_json(self) -> bytes:
        """The bytes Go's json.Marshal writes for the same *errors.Error."""
        from . import _json

        parts = [b'"code":' + _json.encode_string(self.code), b'"message":' + _json.encode_string(self.message)]
        if self.meta:
            parts.append(b'"meta":' + _json.encode_value(self.meta))
        if self.cause is not None:
            parts.append(b'"cause":' + _json.encode_string(str(self.cause)))
        return b"{" + b",".join(parts) + b"}"

    @classmethod
    def from_json(cls, data: bytes | str) -> MistError:
        """Read an error JSON object; the cause comes back as plain text.

        Raises MistError with code "validation" when data is not one.
        """
        from . import _json

        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        try:
            v = _json.parse_value(data)
        except ValueError as e:
            raise MistError(VALIDATION, "errors: decode json", cause=e) from None
        if not isinstance(v, dict):
            raise MistError(VALIDATION, "errors: decode json: not an object")
        code, message, meta, cause = v.get("code"), v.get("message"), v.get("meta"), v.get("cause")
        if not isinstance(code, (str, type(None))) or not isinstance(message, (str, type(None))):
            raise MistError(VALIDATION, "errors: decode json: code and message must be strings")
        if meta is not None and not (isinstance(meta, dict) and all(isinstance(x, str) for x in meta.values())):
            raise MistError(VALIDATION, "errors: decode json: meta must map strings to strings")
        if not isinstance(cause, (str, type(None))):
            raise MistError(VALIDATION, "errors: decode json: cause must be a string")
        return MistError(code or "", message or "", meta=meta, cause=Exception(cause) if cause is not None else None)


class ClosedError(MistError):
    """The transport is closed (Go: transport.ErrClosed). Not retryable."""

    def __init__(self, message: str = "transport: closed") -> None:
        super().__init__(UNAVAILABLE, message)

    @property
    def retryable(self) -> bool:
        return False


class FullError(MistError):
    """The receiver's inbox is full (Go: transport.ErrFull). Retryable."""

    def __init__(self, message: str = "transport: full", *, meta: dict[str, str] | None = None,
                 cause: BaseException | None = None) -> None:
        super().__init__(UNAVAILABLE, message, meta=meta, cause=cause)


def code_of(err: BaseException | None) -> str:
    """The code of err: "" for None, err.code for a MistError (or one in its
    cause chain), "timeout" for TimeoutError and "internal" otherwise."""
    seen = 0
    e: BaseException | None = err
    while e is not None and seen < 100:
        if isinstance(e, MistError):
            return e.code
        e = e.__cause__
        seen += 1
    if err is None:
        return ""
    if isinstance(err, TimeoutError):
        return TIMEOUT
    return INTERNAL
