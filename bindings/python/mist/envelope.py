"""The MIST message envelope, byte for byte as the Go package protocol.

A message is one compact JSON object with its keys in this order::

    {"version":"1","id":"<32 hex>","source":"matchspec","type":"infer.request",
     "timestamp_ns":1767225600000000000,"payload":{...},"checksum":3617221169}

``checksum`` (CRC-32/IEEE of the payload bytes, a computed 0 stored as 1) is
left out when it is 0, which means absent. A whole message is at most
MAX_MESSAGE_SIZE (10 MiB) bytes.

``new`` builds a message, ``Message.marshal_with_checksum`` writes it, and
``unmarshal`` reads and checks one with the same rules, in the same order,
as Go's ``protocol.Unmarshal``: every failure is a MistError with code
"protocol" whose ``reason`` (meta["reason"]) is one of "size", "json",
"field_type", "missing_field", "timestamp", "version" or "checksum", and
whose ``field`` names the field at fault.

The payload is kept as raw JSON bytes in the canonical form Go keeps:
compact, with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, every other
byte (invalid UTF-8 included) as received.
"""

from __future__ import annotations

import copy
import secrets
import time
import zlib
from dataclasses import dataclass
from typing import Any

from . import _json, _types
from .errors import PROTOCOL, VALIDATION, MistError

MAX_MESSAGE_SIZE = 10 << 20
"""The largest message, in bytes, that unmarshal accepts: 10,485,760."""

CURRENT_VERSION = "1"
MIN_SUPPORTED_VERSION = "1"
MAX_SUPPORTED_VERSION = "1"

SOURCE_SCHEMA_FLUX = "schemaflux"
SOURCE_INFER_MUX = "infermux"
SOURCE_MATCH_SPEC = "matchspec"
SOURCE_TOKEN_TRACE = "tokentrace"

_NULL = b"null"


def _perr(reason: str, field: str, message: str, cause: BaseException | None = None) -> MistError:
    meta = {"reason": reason}
    if field:
        meta["field"] = field
    return MistError(PROTOCOL, message, meta=meta, cause=cause)


def crc32(data: bytes) -> int:
    """CRC-32/IEEE of data (zlib's)."""
    return zlib.crc32(data) & 0xFFFFFFFF


def checksum(payload: bytes) -> int:
    """The checksum stored for payload: its CRC-32, with 0 stored as 1. An
    absent (empty) payload is checksummed as the bytes null."""
    c = crc32(payload or _NULL)
    return c if c != 0 else 1


@dataclass
class Message:
    """One MIST message: a header and a raw JSON payload.

    ``payload`` holds the JSON bytes; b"" means absent (written as null).
    Use ``decode`` or ``decode_as`` to read it. Build messages with ``new``
    or ``unmarshal``; the zero Message is not valid.

    A Message is plain data: share it between threads only for reading;
    ``compute_checksum`` is the only method that changes it.
    """

    version: str = ""
    id: str = ""
    source: str = ""
    type: str = ""
    timestamp_ns: int = 0
    payload: bytes = b""
    checksum: int = 0

    def __post_init__(self) -> None:
        # JSON text given as str, bytearray or memoryview is kept as bytes.
        if isinstance(self.payload, str):
            self.payload = self.payload.encode("utf-8", "surrogatepass")
        elif isinstance(self.payload, (bytearray, memoryview)):
            self.payload = bytes(self.payload)

    def validate(self) -> None:
        """Check, in this order, that version, id, source and type are not
        empty, that timestamp_ns > 0, and that the payload is at most
        MAX_MESSAGE_SIZE bytes, as Go's Validate. Raises MistError (code
        "protocol") naming the field."""
        for name in ("version", "id", "source", "type"):
            if not getattr(self, name):
                raise _perr("missing_field", name, f"message {name} is missing")
        ts = self.timestamp_ns
        if not isinstance(ts, int) or isinstance(ts, bool) or ts <= 0:
            raise _perr("timestamp", "timestamp_ns", f"message timestamp_ns is {ts}, want > 0")
        if len(self.payload) > MAX_MESSAGE_SIZE:
            raise _perr(
                "size", "payload",
                f"message payload is {len(self.payload)} bytes, over the limit of {MAX_MESSAGE_SIZE}",
            )

    def verify_checksum(self) -> bool:
        """True when checksum is 0 (absent) or matches the payload bytes."""
        return self.checksum == 0 or self.checksum == checksum(self.payload)

    def compute_checksum(self) -> None:
        """Store the payload in canonical form (when it is valid JSON) and set
        checksum to its checksum, as Go's ComputeChecksum."""
        if self.payload:
            try:
                c = _json.compact_checked(bytes(self.payload))
            except _json.SyntaxErr:
                c = self.payload
            self.payload = c
        self.checksum = checksum(self.payload)

    def marshal(self) -> bytes:
        """The compact JSON Go's Marshal writes for this message: keys in
        order, checksum left out when 0, payload compacted with <, >, &
        escaped. It does not compute the checksum.

        Raises MistError (code "validation") when the payload is not valid
        JSON or a field holds a value Go's Message could not.
        """
        p = _NULL
        if self.payload:
            try:
                p = _json.compact_checked(bytes(self.payload))
            except _json.SyntaxErr as e:
                raise MistError(VALIDATION, f"marshal {self.type} message", cause=e) from None
        ts = self.timestamp_ns
        if isinstance(ts, bool) or not isinstance(ts, int) or not _json.INT64_MIN <= ts <= _json.INT64_MAX:
            raise MistError(VALIDATION, f"marshal {self.type} message: timestamp_ns {ts!r} is not an int64")
        cs = self.checksum
        if isinstance(cs, bool) or not isinstance(cs, int) or not 0 <= cs <= _json.UINT32_MAX:
            raise MistError(VALIDATION, f"marshal {self.type} message: checksum {cs!r} is not a uint32")
        parts = []
        for key in ("version", "id", "source", "type"):
            v = getattr(self, key)
            if not isinstance(v, str):
                raise MistError(VALIDATION, f"marshal message: {key} {v!r} is not a string")
            parts.append(b'"' + key.encode() + b'":' + _json.encode_string(v))
        parts.append(b'"timestamp_ns":' + str(ts).encode())
        parts.append(b'"payload":' + p)
        if cs:
            parts.append(b'"checksum":' + str(cs).encode())
        return b"{" + b",".join(parts) + b"}"

    def marshal_with_checksum(self) -> bytes:
        """Like marshal, with the checksum of the payload as written. The
        message itself is not changed."""
        c = copy.copy(self)
        c.compute_checksum()
        return c.marshal()

    def decode(self) -> Any:
        """The payload as a Python value (strings decoded as Go decodes them;
        integer literals stay exact ints). Raises MistError (code
        "protocol") for an absent payload."""
        if not self.payload:
            raise MistError(PROTOCOL, f"decode {self.type} payload: payload is empty")
        try:
            return _json.parse_value(bytes(self.payload))
        except ValueError as e:
            raise MistError(PROTOCOL, f"decode {self.type} payload", cause=e) from None

    def decode_as(self, cls: type[Any] | None = None) -> Any:
        """The payload as an instance of cls, by default the generated class
        of the message's type (see PAYLOAD_TYPES). Raises MistError (code
        "protocol") when the payload is absent, or its shape is wrong, or
        the type has no generated class and cls is None. A null payload
        gives the zero value, as in Go."""
        if cls is None:
            cls = _types.PAYLOAD_TYPES.get(self.type)
            if cls is None:
                raise MistError(PROTOCOL, f"decode payload: no payload type for {self.type!r}")
        if not self.payload:
            raise MistError(PROTOCOL, f"decode {self.type} payload: payload is empty")
        try:
            v = _json.parse_value(bytes(self.payload), typed=True)
        except ValueError as e:
            raise MistError(PROTOCOL, f"decode {self.type} payload", cause=e) from None
        try:
            return cls.from_dict(v)
        except MistError as e:
            raise MistError(PROTOCOL, f"decode {self.type} payload", meta=e.meta, cause=e) from None


def new(source: str, type: str, payload: Any) -> Message:  # noqa: A002 - Go's name
    """A new message from source of the given type, with version
    CURRENT_VERSION, a random 32-hex id and the current time in ns.

    The payload is encoded as Go's encoding/json encodes the matching Go
    value: a generated payload object (or any object with to_json()) as its
    struct; for the built-in types a dict is first checked and read as
    that type's class, so the bytes are what Go writes for the struct;
    bytes are taken as raw JSON text (checked and compacted); any other
    value as Go encodes the matching map, slice or scalar (dict keys
    sorted). The checksum is left at 0; see marshal_with_checksum. new does
    not check source or type.

    Raises MistError (code "validation") when the payload cannot be encoded.
    """
    try:
        if isinstance(payload, (bytes, bytearray, memoryview)):
            p = _json.compact_checked(bytes(payload))
        elif isinstance(payload, dict) and type in _types.PAYLOAD_TYPES:
            p = _types.PAYLOAD_TYPES[type].from_dict(payload).to_json()
        else:
            p = _json.encode_value(payload)
    except MistError as e:
        raise MistError(VALIDATION, f"encode {type} payload", meta=e.meta, cause=e) from None
    except _json.EncodeError as e:
        raise MistError(VALIDATION, f"encode {type} payload", meta={"field": e.path}, cause=e) from None
    except (TypeError, ValueError) as e:
        raise MistError(VALIDATION, f"encode {type} payload", cause=e) from None
    return Message(
        version=CURRENT_VERSION,
        id=secrets.token_hex(16),
        source=source,
        type=type,
        timestamp_ns=time.time_ns(),
        payload=p,
    )


def _string_field(fields: dict[str, bytes], name: str) -> str:
    raw = fields.get(name)
    if raw is None or raw == _NULL:
        return ""
    if raw[:1] != b'"':
        raise _perr("field_type", name, f"message {name} has the wrong json type or range: {_json._utf8(raw)}")
    return _json.decode_string(raw)


def _int_field(fields: dict[str, bytes], name: str, lo: int, hi: int) -> int:
    raw = fields.get(name)
    if raw is None or raw == _NULL:
        return 0
    v = _json.parse_int(raw, lo, hi)
    if v is None:
        raise _perr("field_type", name, f"message {name} has the wrong json type or range: {_json._utf8(raw)}")
    return v


def unmarshal(data: bytes | bytearray | memoryview | str) -> Message:
    """Read one message and check it, as Go's protocol.Unmarshal does, in
    this order: the size limit (before parsing), the JSON object (keys
    matched case-sensitively, unknown keys ignored, the last of duplicate
    keys wins), the field types, validate(), check_version(), and the
    checksum when it is not 0. The payload is then stored in canonical
    form; when that changes its bytes and a checksum was present, the
    checksum is recomputed for the stored bytes.

    Raises MistError with code "protocol", meta["reason"] and
    meta["field"] as documented in the module.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    data = bytes(data)
    if len(data) > MAX_MESSAGE_SIZE:
        raise _perr("size", "", f"message is {len(data)} bytes, over the limit of {MAX_MESSAGE_SIZE}")
    try:
        members = _json.scan(data, members=True)
    except _json.NotObject:
        raise _perr("json", "", "message is not a json object") from None
    except _json.SyntaxErr as e:
        raise _perr("json", "", "message is not valid json", e) from None
    fields: dict[str, bytes] = {}
    assert members is not None
    for key, start, end in members:
        fields[_json.decode_string(key)] = data[start:end]
    m = Message()
    m.version = _string_field(fields, "version")
    m.id = _string_field(fields, "id")
    m.source = _string_field(fields, "source")
    m.type = _string_field(fields, "type")
    m.timestamp_ns = _int_field(fields, "timestamp_ns", _json.INT64_MIN, _json.INT64_MAX)
    m.checksum = _int_field(fields, "checksum", 0, _json.UINT32_MAX)
    m.payload = fields.get("payload", b"")
    m.validate()
    check_version(m.version)
    if not m.verify_checksum():
        raise _perr(
            "checksum", "checksum",
            f"message checksum {m.checksum} does not match payload checksum {checksum(m.payload)}",
        )
    if m.payload:
        c = _json.compact(m.payload)
        if c != m.payload:
            m.payload = c
            if m.checksum != 0:
                m.checksum = checksum(c)
    return m


# --- versions ----------------------------------------------------------------

# Go's unicode.IsSpace, which strings.TrimSpace trims.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_UINT64_MAX = (1 << 64) - 1


def _parse_version(s: str) -> tuple[int, bool, bool]:
    """(value, too big for uint64, ok): ASCII digits after trimming spaces."""
    s = s.strip(_GO_SPACE)
    if not s or any(c not in "0123456789" for c in s):
        return 0, False, False
    if len(s.lstrip("0")) > 20:  # beyond uint64, and int() has a digit limit
        return _UINT64_MAX, True, True
    v = int(s)
    if v > _UINT64_MAX:
        return _UINT64_MAX, True, True
    return v, False, True


def _verr(field: str, message: str) -> MistError:
    return _perr("version", field, message)


def check_version(version: str) -> None:
    """Raise MistError (code "protocol", reason "version") unless this
    package reads messages of the given version: a decimal integer (ASCII
    digits) after trimming spaces, between MIN_SUPPORTED_VERSION and
    MAX_SUPPORTED_VERSION."""
    lo, hi = int(MIN_SUPPORTED_VERSION), int(MAX_SUPPORTED_VERSION)
    if not isinstance(version, str):
        raise _verr("version", f"message version {version!r} is not a string")
    if not version.strip(_GO_SPACE):
        raise _verr("version", "message version is empty")
    v, _, ok = _parse_version(version)
    if not ok:
        raise _verr("version", f"message version {_json.encode_string(version).decode()} is not a decimal integer")
    if v < lo:
        raise _verr("version", f"message version {_json.encode_string(version).decode()} is too old: supported versions are {lo}-{hi}")
    if v > hi:
        raise _verr("version", f"message version {_json.encode_string(version).decode()} is too new: supported versions are {lo}-{hi}")


def is_compatible(version: str) -> bool:
    """Whether check_version accepts version."""
    try:
        check_version(version)
    except MistError:
        return False
    return True


def _parse_range(side: str, s: str) -> tuple[int, int]:
    a, sep, b = s.partition("-")
    if not sep:
        b = a
    lo, big_lo, ok_lo = _parse_version(a)
    hi, big_hi, ok_hi = _parse_version(b)
    q = _json.encode_string(s).decode()
    if not ok_lo or not ok_hi:
        raise _verr("", f"negotiate version: {side} {q} is not a version or min-max range")
    if big_lo or big_hi:
        raise _verr("", f"negotiate version: {side} {q} is out of range")
    if lo > hi:
        raise _verr("", f"negotiate version: {side} {q} has min > max")
    return lo, hi


def negotiate_version(local: str, remote: str) -> str:
    """The highest version both sides support, as a decimal string. Each
    side is "N" or an inclusive range "min-max". Raises MistError (code
    "protocol") when a side does not parse, has min > max, or the ranges
    do not overlap."""
    llo, lhi = _parse_range("local", local)
    rlo, rhi = _parse_range("remote", remote)
    lo, hi = max(llo, rlo), min(lhi, rhi)
    if lo > hi:
        raise _verr(
            "",
            f"negotiate version: local {_json.encode_string(local).decode()} and remote "
            f"{_json.encode_string(remote).decode()} have no version in common",
        )
    return str(hi)


def version_info() -> str:
    """"MIST protocol version 1", plus " (supports <min>-<max>)" when more
    than one version is read."""
    s = "MIST protocol version " + CURRENT_VERSION
    if MIN_SUPPORTED_VERSION != MAX_SUPPORTED_VERSION:
        s += f" (supports {MIN_SUPPORTED_VERSION}-{MAX_SUPPORTED_VERSION})"
    return s
