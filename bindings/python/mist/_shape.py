"""Shape checks and encoders used by the generated module _types.

Parsers take (value, path) and return the value as the Go type would hold
it, raising MistError with code "validation" and meta["field"] = path when
Go's encoding/json would refuse it. Encoders take (value, path) and return
the bytes Go's encoding/json writes.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, TypeVar

from . import _json
from .errors import VALIDATION, MistError

T = TypeVar("T")
Parser = Callable[[Any, str], Any]
Encoder = Callable[[Any, str], bytes]


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a bool"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, (list, tuple)):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    return "a " + type(v).__name__


def wrong(v: Any, path: str, want: str) -> MistError:
    """The error for a value of the wrong shape at path."""
    return MistError(VALIDATION, f"{path} is {_type_name(v)}, want {want}", meta={"field": path})


def _fold(s: str) -> str:
    # Go matches keys to fields case-insensitively when no key matches
    # exactly, with Unicode simple folding; for the ASCII names of fields
    # that is ASCII case plus the two letters that fold into ASCII.
    return s.translate(_FOLD).lower()


_FOLD = {0x017F: "s", 0x212A: "k"}


def members(data: Any, path: str, names: tuple[str, ...]) -> dict[str, Any]:
    """Match the keys of a JSON object to field names as Go does: an exact
    match first, else a case-insensitive one; the last matching key wins;
    unknown keys are ignored. None (JSON null) gives no members."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise wrong(data, path, "an object")
    exact = set(names)
    folded = {_fold(n): n for n in reversed(names)}
    out: dict[str, Any] = {}
    pairs = getattr(data, "pairs", None)  # decoded JSON: every member, in input order
    for k, v in (pairs if pairs is not None else data.items()):
        if not isinstance(k, str):
            raise wrong(k, path, "an object with string keys")
        name = k if k in exact else folded.get(_fold(k))
        if name is not None:
            out[name] = v
    return out


# --- parsers -----------------------------------------------------------------


def string(v: Any, path: str) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise wrong(v, path, "a string")
    return v


def boolean(v: Any, path: str) -> bool:
    if v is None:
        return False
    if not isinstance(v, bool):
        raise wrong(v, path, "a bool")
    return v


def _integer(bits: int, signed: bool) -> Parser:
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    want = f"an integer in [{lo}, {hi}]"

    def parse(v: Any, path: str) -> int:
        if v is None:
            return 0
        if isinstance(v, bool) or not isinstance(v, int) or v < lo or v > hi:
            raise wrong(v, path, want)
        if not signed and isinstance(v, _json.NegZero):
            raise wrong(v, path, want)  # Go's ParseUint refuses "-0"
        return int(v)

    return parse


int8, int16, int32, int64 = (_integer(b, True) for b in (8, 16, 32, 64))
uint8, uint16, uint32, uint64 = (_integer(b, False) for b in (8, 16, 32, 64))

_FLOAT32_MAX = 3.4028234663852886e38


def _float(bits: int) -> Parser:
    limit = _FLOAT32_MAX if bits == 32 else math.inf

    def parse(v: Any, path: str) -> float:
        if v is None:
            return 0.0
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise wrong(v, path, "a number")
        if isinstance(v, _json.NegZero):
            return -0.0
        try:
            f = float(v)
        except OverflowError:
            raise wrong(v, path, "a finite number") from None
        if not math.isfinite(f) or abs(f) > limit:
            raise wrong(v, path, "a finite number")
        return f

    return parse


float32, float64 = _float(32), _float(64)


_EXACT = 1 << 53


def _any_number(x: Any, p: str) -> Any:
    """A number as Go's interface{} holds it, a float64, so that it is
    written back as Go writes it. Integers up to 2**53 stay ints: Go writes
    their float64 with the same digits."""
    if isinstance(x, _json.NegZero):
        return -0.0
    if isinstance(x, float):
        if not math.isfinite(x):
            raise wrong(x, p, "a finite number")
        return x
    if -_EXACT <= x <= _EXACT:
        return x
    try:
        return float(x)
    except OverflowError:
        raise wrong(x, p, "a finite number") from None


def any_value(v: Any, path: str) -> Any:
    """Any JSON value: None, bool, int, float (finite), str, list, dict with
    string keys, nested. Returned as a copy made of plain dicts and lists,
    with numbers as Go's interface{} holds them (integers beyond 2**53
    become floats, as they are float64 in Go)."""
    out: list[Any] = [None]
    stack: list[tuple[Any, str, Any, Any]] = [(v, path, out, 0)]  # value, path, container, key
    while stack:
        x, p, into, key = stack.pop()
        if x is None or isinstance(x, (bool, str)):
            into[key] = x
        elif isinstance(x, (int, float)):
            into[key] = _any_number(x, p)
        elif isinstance(x, (list, tuple)):
            lst: list[Any] = [None] * len(x)
            into[key] = lst
            stack.extend((e, f"{p}[{i}]", lst, i) for i, e in enumerate(x))
        elif isinstance(x, dict):
            d: dict[str, Any] = {}
            into[key] = d
            for k, e in x.items():
                if not isinstance(k, str):
                    raise wrong(k, p, "an object with string keys")
                d[k] = None
                stack.append((e, f"{p}.{k}", d, k))
        else:
            raise wrong(x, p, "a JSON value")
    return out[0]


def list_of(elem: Parser) -> Parser:
    def parse(v: Any, path: str) -> list[Any] | None:
        if v is None:
            return None
        if not isinstance(v, (list, tuple)):
            raise wrong(v, path, "an array")
        return [elem(e, f"{path}[{i}]") for i, e in enumerate(v)]

    return parse


def map_of(elem: Parser) -> Parser:
    def parse(v: Any, path: str) -> dict[str, Any] | None:
        if v is None:
            return None
        if not isinstance(v, dict):
            raise wrong(v, path, "an object")
        out = {}
        for k, e in v.items():
            if not isinstance(k, str):
                raise wrong(k, path, "an object with string keys")
            out[k] = elem(e, f"{path}.{k}")
        return out

    return parse


# --- to_dict -----------------------------------------------------------------


def plain(v: Any) -> Any:
    """A copy of v made of dicts, lists and scalars only (payload objects
    become their to_dict())."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    to_dict = getattr(v, "to_dict", None)
    if callable(to_dict) and dataclasses.is_dataclass(v):
        return to_dict()
    if isinstance(v, dict):
        return {k: plain(e) for k, e in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(e) for e in v]
    return v


# --- encoders ----------------------------------------------------------------

OMIT_EMPTY = frozenset({b'""', b"false", b"0", b"-0", b"null", b"[]", b"{}"})
"""What omitempty leaves out: Go's empty values, as encoded."""
OMIT_ANY = frozenset({b"null"})
"""What omitempty leaves out for an interface field: only nil."""


def put(parts: list[bytes], key: bytes, value: bytes, omit: frozenset[bytes] | None) -> None:
    """Append a member unless omitempty (omit) leaves it out."""
    if omit is not None and value in omit:
        return
    parts.append(key + value)


def enc_string(v: Any, path: str) -> bytes:
    if v is None:
        v = ""
    if not isinstance(v, str):
        raise wrong(v, path, "a string")
    return _json.encode_string(v)


def enc_bool(v: Any, path: str) -> bytes:
    if v is None:
        v = False
    if not isinstance(v, bool):
        raise wrong(v, path, "a bool")
    return b"true" if v else b"false"


def _enc_integer(parse: Parser) -> Encoder:
    def enc(v: Any, path: str) -> bytes:
        return str(parse(v, path)).encode()

    return enc


enc_int8, enc_int16, enc_int32, enc_int64 = (_enc_integer(p) for p in (int8, int16, int32, int64))
enc_uint8, enc_uint16, enc_uint32, enc_uint64 = (_enc_integer(p) for p in (uint8, uint16, uint32, uint64))


def enc_float64(v: Any, path: str) -> bytes:
    return _json.format_float(float64(v, path)).encode()


def enc_float32(v: Any, path: str) -> bytes:
    return _json.format_float(float32(v, path), 32).encode()


def enc_any(v: Any, path: str) -> bytes:
    try:
        return _json.encode_value(v, path)
    except _json.EncodeError as e:
        raise MistError(VALIDATION, str(e), meta={"field": e.path}) from None


def enc_list(elem: Encoder) -> Encoder:
    def enc(v: Any, path: str) -> bytes:
        if v is None:
            return b"null"
        if not isinstance(v, (list, tuple)):
            raise wrong(v, path, "a list")
        return b"[" + b",".join(elem(e, f"{path}[{i}]") for i, e in enumerate(v)) + b"]"

    return enc


def enc_map(elem: Encoder) -> Encoder:
    def enc(v: Any, path: str) -> bytes:
        if v is None:
            return b"null"
        if not isinstance(v, dict):
            raise wrong(v, path, "a dict")
        parts = []
        for k in v:
            if not isinstance(k, str):
                raise wrong(k, path, "a dict with string keys")
        for k in sorted(v, key=lambda k: k.encode("utf-8", "surrogatepass")):
            parts.append(_json.encode_string(k) + b":" + elem(v[k], f"{path}.{k}"))
        return b"{" + b",".join(parts) + b"}"

    return enc


def enc_struct(cls: type[Any]) -> Encoder:
    """Encode an instance of a generated class, or a dict of its shape."""

    def enc(v: Any, path: str) -> bytes:
        if isinstance(v, cls):
            return v.to_json(path)
        if v is None or isinstance(v, dict):
            return cls.from_dict(v, path).to_json(path)
        raise wrong(v, path, "a " + cls.__name__)

    return enc
