"""JSON exactly as Go's encoding/json reads and writes it.

The envelope must give the same verdicts and the same bytes as the Go
package protocol, so this module does not use the json module for the
parts where it differs from Go:

- ``scan_members`` accepts exactly what Go's scanner accepts (no NaN, no
  trailing data, at most 10000 levels of nesting) and returns the raw
  bytes of each member of a top-level object;
- ``decode_string`` turns a string literal into text as Go does: invalid
  UTF-8 bytes and unpaired surrogate escapes become U+FFFD, one per byte;
- ``compact`` removes whitespace outside strings and escapes ``<``, ``>``,
  ``&``, U+2028 and U+2029, as Go writes a json.RawMessage;
- ``encode_string``, ``format_float`` and ``encode_value`` write values as
  Go's encoding/json does (map keys sorted, floats in Go's format).
"""

from __future__ import annotations

import json
import math
import re
import struct
from typing import Any

MAX_DEPTH = 10000
"""Go's scanner rejects JSON nested deeper than this."""

_WS = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"')
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(rb"-?[0-9]+")
_LITERALS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}


class SyntaxErr(ValueError):
    """The input is not valid JSON (Go: *json.SyntaxError)."""


class NotObject(ValueError):
    """The input is valid JSON but not an object (Go: *json.UnmarshalTypeError)."""


def _fail(data: bytes, i: int, what: str) -> SyntaxErr:
    if i >= len(data):
        return SyntaxErr("unexpected end of JSON input")
    return SyntaxErr(f"invalid character {chr(data[i])!r} {what} at offset {i}")


def scan(data: bytes, members: bool = False) -> list[tuple[bytes, int, int]] | None:
    """Check that data is one JSON value, as Go's scanner does.

    With members=True, data must be an object, and its members are returned
    as (raw key literal, value start, value end), in order; NotObject is
    raised for any other valid value (null included). Raises SyntaxErr for
    invalid JSON.
    """
    n = len(data)
    i = _WS.match(data, 0).end()
    if i >= n:
        raise SyntaxErr("unexpected end of JSON input")
    if members and data[i] != 0x7B:  # '{'
        _scan_value(data, i)
        raise NotObject("not a JSON object")
    out: list[tuple[bytes, int, int]] = []
    _scan_value(data, i, out if members else None)
    return out if members else None


def _scan_value(data: bytes, i: int, top: list[tuple[bytes, int, int]] | None = None) -> int:
    """Scan the value at data[i:] (whitespace skipped) up to the end of data."""
    n = len(data)
    stack = bytearray()  # b'{' or b'['
    key = b""
    start = -1
    ws = _WS.match
    while True:
        # Parse one value at i.
        if i >= n:
            raise _fail(data, i, "")
        if top is not None and len(stack) == 1:
            start = i
        c = data[i]
        if c == 0x7B or c == 0x5B:  # { [
            stack.append(c)
            if len(stack) > MAX_DEPTH:
                raise SyntaxErr(f"exceeded max depth at offset {i}")
            i = ws(data, i + 1).end()
            close = 0x7D if c == 0x7B else 0x5D
            if i < n and data[i] == close:
                stack.pop()
                i += 1
            elif c == 0x7B:
                m = _STRING.match(data, i)
                if m is None:
                    raise _fail(data, i, "looking for beginning of object key string")
                if len(stack) == 1:
                    key = m.group()
                i = ws(data, m.end()).end()
                if i >= n or data[i] != 0x3A:
                    raise _fail(data, i, "after object key")
                i = ws(data, i + 1).end()
                continue
            else:
                continue
        elif c == 0x22:
            m = _STRING.match(data, i)
            if m is None:
                raise _fail(data, i, "in string literal")
            i = m.end()
        elif c == 0x2D or 0x30 <= c <= 0x39:
            m = _NUMBER.match(data, i)
            if m is None:
                raise _fail(data, i, "in numeric literal")
            i = m.end()
        elif c in _LITERALS:
            lit = _LITERALS[c]
            if not data.startswith(lit, i):
                raise _fail(data, i, "in literal")
            i += len(lit)
        else:
            raise _fail(data, i, "looking for beginning of value")
        # After a value: close containers, or move to the next element.
        while True:
            if top is not None and len(stack) == 1 and start >= 0:
                top.append((key, start, i))
                start = -1
            i = ws(data, i).end()
            if not stack:
                if i != n:
                    raise _fail(data, i, "after top-level value")
                return i
            if i >= n:
                raise SyntaxErr("unexpected end of JSON input")
            c = data[i]
            if stack[-1] == 0x7B:
                if c == 0x2C:  # ,
                    i = ws(data, i + 1).end()
                    m = _STRING.match(data, i)
                    if m is None:
                        raise _fail(data, i, "looking for beginning of object key string")
                    if len(stack) == 1:
                        key = m.group()
                    i = ws(data, m.end()).end()
                    if i >= n or data[i] != 0x3A:
                        raise _fail(data, i, "after object key")
                    i = ws(data, i + 1).end()
                    break
                if c == 0x7D:
                    stack.pop()
                    i += 1
                    continue
                raise _fail(data, i, "after object key:value pair")
            if c == 0x2C:
                i = ws(data, i + 1).end()
                break
            if c == 0x5D:
                stack.pop()
                i += 1
                continue
            raise _fail(data, i, "after array element")


def valid(data: bytes) -> bool:
    """Report whether data is one valid JSON value, as Go's json.Valid."""
    try:
        scan(data)
    except SyntaxErr:
        return False
    return True


# --- strings -----------------------------------------------------------------

_SIMPLE_ESCAPES = {
    ord('"'): '"', ord("\\"): "\\", ord("/"): "/", ord("b"): "\b",
    ord("f"): "\f", ord("n"): "\n", ord("r"): "\r", ord("t"): "\t",
}


def _utf8(b: bytes) -> str:
    """Decode UTF-8 as Go does: each byte of an invalid sequence is U+FFFD."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out = []
    i = 0
    while i < len(b):
        try:
            out.append(b[i:].decode("utf-8"))
            break
        except UnicodeDecodeError as e:
            out.append(b[i : i + e.start].decode("utf-8"))
            out.append("\ufffd")
            i += e.start + 1
    return "".join(out)


def decode_string(lit: bytes) -> str:
    """Decode a JSON string literal (quotes included) that the scanner accepted."""
    body = lit[1:-1]
    if b"\\" not in body:
        return _utf8(body)
    out = []
    i = 0
    n = len(body)
    while True:
        j = body.find(b"\\", i)
        if j < 0:
            out.append(_utf8(body[i:]))
            break
        out.append(_utf8(body[i:j]))
        c = body[j + 1]
        if c != 0x75:  # not \u
            out.append(_SIMPLE_ESCAPES[c])
            i = j + 2
            continue
        r = int(body[j + 2 : j + 6], 16)
        i = j + 6
        if 0xD800 <= r < 0xE000:
            if (
                r < 0xDC00
                and body.startswith(b"\\u", i)
                and i + 6 <= n
                and 0xDC00 <= (r2 := int(body[i + 2 : i + 6], 16)) < 0xE000
            ):
                out.append(chr(0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00)))
                i += 6
                continue
            r = 0xFFFD
        out.append(chr(r))
    return "".join(out)


_HEX = "0123456789abcdef"
_ESCAPE = re.compile("[\x00-\x1f\"\\\\<>&\u2028\u2029\ud800-\udfff]")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    e = _ESCAPES.get(c)
    if e is not None:
        return e
    o = ord(c)
    if 0xD800 <= o < 0xE000:  # not a character: Go writes invalid UTF-8 so
        return "\\ufffd"
    return "\\u%04x" % o


def encode_string(s: str) -> bytes:
    """Write s as Go's encoding/json writes a string (HTML-safe escaping)."""
    return b'"' + _ESCAPE.sub(_escape, s).encode("utf-8") + b'"'


# --- compact -----------------------------------------------------------------

_NEEDS_COMPACT = re.compile(rb"[ \t\n\r<>&]|\xe2\x80[\xa8\xa9]")
_STRING_OR_WS = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")|[ \t\n\r]+')
_HTML = re.compile(rb"[<>&]|\xe2\x80[\xa8\xa9]")
_HTML_ESCAPES = {
    b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026",
    b"\xe2\x80\xa8": b"\\u2028", b"\xe2\x80\xa9": b"\\u2029",
}


def compact(data: bytes) -> bytes:
    """Return valid JSON data as Go writes a json.RawMessage.

    Whitespace outside strings is removed and <, >, &, U+2028 and U+2029
    are escaped; every other byte, invalid UTF-8 included, is kept. data
    must be valid (see scan); use compact_checked otherwise.
    """
    if _NEEDS_COMPACT.search(data) is None:
        return data
    data = _STRING_OR_WS.sub(lambda m: m.group(1) or b"", data)
    return _HTML.sub(lambda m: _HTML_ESCAPES[m.group()], data)


def compact_checked(data: bytes) -> bytes:
    """compact, after checking that data is valid JSON (raises SyntaxErr)."""
    scan(data)
    return compact(data)


# --- numbers -----------------------------------------------------------------


def _to_f32(f: float) -> float:
    return struct.unpack("f", struct.pack("f", f))[0]


_F32_LOW = _to_f32(1e-6)
_F32_HIGH = _to_f32(1e21)


def format_float(f: float, bits: int = 64) -> str:
    """Write f as Go's encoding/json writes a float64 (or, with bits=32, a
    float32): the shortest digits that read back as the value, in plain
    decimal for 1e-6 <= |f| < 1e21 (those bounds as float32 for a
    float32) and in exponent form otherwise, with "e-07" shortened to
    "e-7". Raises ValueError for NaN and infinities, as Go does.
    """
    if not math.isfinite(f):
        raise ValueError(f"json: unsupported value: {f}")
    if bits == 32:
        f = _to_f32(f)
        digits, point = _shortest32(f)
        low, high = _F32_LOW, _F32_HIGH
    else:
        digits, point = _shortest(f)
        low, high = 1e-6, 1e21
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    sign = "-" if f < 0 else ""
    a = abs(f)
    if a < low or a >= high:
        exp = point - 1
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        if exp < 0:
            return sign + mant + "e-" + str(-exp)
        return sign + mant + "e+" + str(exp).rjust(2, "0")
    n = len(digits)
    if point <= 0:
        return sign + "0." + "0" * (-point) + digits
    if point >= n:
        return sign + digits + "0" * (point - n)
    return sign + digits[:point] + "." + digits[point:]


def _digits_of(r: str) -> tuple[str, int]:
    """Split a repr like '1.5e-07' into ('15', -6): value = 0.15 * 10**-6 * 10."""
    r = r.lstrip("-")
    exp = 0
    if "e" in r:
        r, e = r.split("e")
        exp = int(e)
    ip, _, fp = r.partition(".")
    digits = (ip + fp).lstrip("0")
    point = len(ip) + exp - (len(ip + fp) - len((ip + fp).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    return digits, point


def _shortest(f: float) -> tuple[str, int]:
    return _digits_of(repr(f))


def _shortest32(f: float) -> tuple[str, int]:
    if f == 0:
        return "0", 1
    target = struct.pack("f", f)
    for prec in range(1, 10):
        s = "%.*e" % (prec - 1, f)
        if struct.pack("f", float(s)) == target:
            return _digits_of(s)
    return _digits_of(repr(f))


INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
UINT32_MAX = (1 << 32) - 1


def parse_int(lit: bytes, lo: int, hi: int) -> int | None:
    """Read a JSON number literal as Go's strconv.ParseInt/ParseUint would
    for an integer field: only "-"? digits, within [lo, hi]. None if not."""
    if len(lit) > 40 or _INTEGER.fullmatch(lit) is None:
        return None  # also keeps int() below its digit limit
    if lo >= 0 and lit.startswith(b"-"):
        return None  # ParseUint takes no sign, not even "-0"
    v = int(lit)
    if v < lo or v > hi:
        return None
    return v


class NegZero(int):
    """The integer literal -0 in a typed decode: 0 for an int field, -0.0
    for an interface (Go decodes it as float64 there, and writes "-0")."""

    __slots__ = ()


NEG_ZERO = NegZero(0)

_MAX_INT_DIGITS = 4000
"""Longer integer literals are beyond every Go number type; they are read
as infinities, which every check refuses, instead of hitting int()'s
digit limit."""


def _int_literal(s: str) -> Any:
    if len(s) > _MAX_INT_DIGITS:
        return -math.inf if s.startswith("-") else math.inf
    return int(s)


def _typed_int_literal(s: str) -> Any:
    if s == "-0":
        return NEG_ZERO
    return _int_literal(s)


# --- values ------------------------------------------------------------------

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_value(data: bytes, typed: bool = False) -> Any:
    """Decode valid JSON data into Python values as Go decodes into any,
    except that integer literals stay exact ints. Strings are decoded as Go
    decodes them. Raises SyntaxErr for invalid JSON and ValueError for a
    number Go cannot hold (beyond the float64 range).

    With typed=True the result is for the from_dict parsers, which check
    numbers against the Go type of the field they land in, as Go does (so
    a huge number under a key no field takes is fine): numbers are not
    checked here, the literal -0 is NEG_ZERO, and objects are Obj dicts
    that also keep their members in input order (Go assigns struct fields
    key by key, so with repeated keys the last matching one wins)."""
    scan(data)
    text = _utf8(data)
    kw: dict[str, Any] = {"parse_int": _int_literal}
    if typed:
        kw = {"parse_int": _typed_int_literal, "object_pairs_hook": Obj.of}
    try:
        v = json.loads(text, parse_constant=_no_constant, **kw)
    except RecursionError:
        v = _parse_deep(data, typed)
    if _SURROGATE_ESCAPE.search(text):
        v = _fix_surrogates(v)
    if not typed:
        _check_numbers(v)
    return v


class Obj(dict):  # type: ignore[type-arg]
    """A decoded JSON object that also keeps its members in input order,
    repeated keys included (see parse_value)."""

    __slots__ = ("pairs",)

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> Obj:
        o = cls(pairs)
        o.pairs = pairs
        return o


def _no_constant(name: str) -> Any:  # unreachable: scan rejects NaN
    raise SyntaxErr(f"invalid literal {name}")


def _fix_surrogates(v: Any) -> Any:
    stack = [v]
    fix = lambda s: _SURROGATE.sub("\ufffd", s)  # noqa: E731
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            for i, e in enumerate(x):
                if isinstance(e, str):
                    x[i] = fix(e)
                else:
                    stack.append(e)
        elif isinstance(x, dict):
            pairs = getattr(x, "pairs", None)
            items = pairs if pairs is not None else list(x.items())
            fixed = []
            for k, e in items:
                if isinstance(e, str):
                    e = fix(e)
                else:
                    stack.append(e)
                fixed.append((fix(k), e))
            x.clear()
            x.update(fixed)
            if pairs is not None:
                x.pairs = fixed
    return fix(v) if isinstance(v, str) else v


_FLOAT_MAX = 1.7976931348623157e308


def _check_numbers(v: Any) -> None:
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, bool):
            continue
        if isinstance(x, float) and not math.isfinite(x):
            raise ValueError("json: number out of range")
        if isinstance(x, int) and abs(x) > _FLOAT_MAX:
            raise ValueError("json: number out of range")
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())


def _parse_deep(data: bytes, typed: bool = False) -> Any:
    """Iterative decoder for values nested too deep for json.loads, with
    the same results as parse_value's."""
    ws = _WS.match
    stack: list[Any] = []  # containers: a list, or the member pairs of an object
    kinds: list[bool] = []  # True for an object
    keys: list[Any] = []
    int_lit = _typed_int_literal if typed else _int_literal

    def close(c: Any, is_obj: bool) -> Any:
        if not is_obj:
            return c
        return Obj.of(c) if typed else dict(c)

    i = ws(data, 0).end()
    while True:
        c = data[i]
        if c == 0x7B or c == 0x5B:
            i = ws(data, i + 1).end()
            if data[i] in (0x7D, 0x5D):
                v: Any = close([], c == 0x7B)
                i += 1
            else:
                stack.append([])
                kinds.append(c == 0x7B)
                if c == 0x7B:
                    m = _STRING.match(data, i)
                    keys.append(decode_string(m.group()))
                    i = ws(data, ws(data, m.end()).end() + 1).end()
                else:
                    keys.append(None)
                continue
        elif c == 0x22:
            m = _STRING.match(data, i)
            v = decode_string(m.group())
            i = m.end()
        elif c in _LITERALS:
            lit = _LITERALS[c]
            v = {b"true": True, b"false": False, b"null": None}[lit]
            i += len(lit)
        else:
            m = _NUMBER.match(data, i)
            t = m.group()
            v = int_lit(t.decode()) if _INTEGER.fullmatch(t) else float(t)
            i = m.end()
        while True:
            i = ws(data, i).end()
            if not stack:
                return v
            top = stack[-1]
            if kinds[-1]:
                top.append((keys[-1], v))
            else:
                top.append(v)
            c = data[i]
            if c == 0x2C:
                i = ws(data, i + 1).end()
                if kinds[-1]:
                    m = _STRING.match(data, i)
                    keys[-1] = decode_string(m.group())
                    i = ws(data, ws(data, m.end()).end() + 1).end()
                break
            v = close(stack.pop(), kinds.pop())
            keys.pop()
            i += 1
    # unreachable


class EncodeError(ValueError):
    """A value Go's encoding/json could not write; path names it."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(f"{path}: {what}")
        self.path = path


def encode_value(v: Any, path: str = "payload") -> bytes:
    """Write a Python value as Go's encoding/json writes the matching Go
    value: dicts as maps (keys sorted by their UTF-8 bytes), lists and
    tuples as slices, None as null, floats in Go's format, and objects with
    a to_json() method (the generated payload classes) through that method.
    Raises EncodeError (a ValueError) naming the path of a value Go could
    not hold: NaN, an infinity, a non-string key, another type."""
    if v is None:
        return b"null"
    if v is True:
        return b"true"
    if v is False:
        return b"false"
    if isinstance(v, str):
        return encode_string(v)
    if isinstance(v, int):
        if isinstance(v, NegZero):
            return b"-0"
        return str(int(v)).encode()
    if isinstance(v, float):
        if not math.isfinite(v):
            raise EncodeError(path, f"unsupported value {v!r}")
        return format_float(v).encode()
    to_json = getattr(v, "to_json", None)
    if callable(to_json):
        return to_json(path)
    if isinstance(v, dict):
        for k in v:
            if not isinstance(k, str):
                raise EncodeError(path, f"map key {k!r} is not a string")
        parts = []
        for k in sorted(v, key=lambda k: k.encode("utf-8", "surrogatepass")):
            parts.append(encode_string(k) + b":" + encode_value(v[k], f"{path}.{k}"))
        return b"{" + b",".join(parts) + b"}"
    if isinstance(v, (list, tuple)):
        return b"[" + b",".join(encode_value(e, f"{path}[{i}]") for i, e in enumerate(v)) + b"]"
    raise EncodeError(path, f"cannot encode a {type(v).__name__} as JSON")
