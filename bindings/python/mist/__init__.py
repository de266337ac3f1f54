"""MIST protocol bindings for Python: the message envelope, the typed
payloads, and the HTTP and stdio transports, speaking exactly the wire
format of the Go packages protocol and transport.

    import mist

    msg = mist.new(mist.SOURCE_MATCH_SPEC, mist.TYPE_HEALTH_PING, mist.HealthPing(from_="matchspec"))
    data = msg.marshal_with_checksum()        # bytes, as Go writes them
    got = mist.unmarshal(data)                # checks like Go's protocol.Unmarshal
    ping = got.decode_as()                    # mist.HealthPing(from_='matchspec')

Standard library only; Python 3.10 or later.
"""

from ._types import *  # noqa: F401,F403 - the generated payload types
from . import _types
from ._types import PAYLOAD_TYPES
from .envelope import (
    CURRENT_VERSION,
    MAX_MESSAGE_SIZE,
    MAX_SUPPORTED_VERSION,
    MIN_SUPPORTED_VERSION,
    SOURCE_INFER_MUX,
    SOURCE_MATCH_SPEC,
    SOURCE_SCHEMA_FLUX,
    SOURCE_TOKEN_TRACE,
    Message,
    check_version,
    checksum,
    crc32,
    is_compatible,
    negotiate_version,
    new,
    unmarshal,
    version_info,
)
from .errors import ClosedError, FullError, MistError
from .http import HTTPReceiver, HTTPSender
from .stdio import Stdio

__all__ = [  # noqa: F405
    "CURRENT_VERSION",
    "MAX_MESSAGE_SIZE",
    "MAX_SUPPORTED_VERSION",
    "MIN_SUPPORTED_VERSION",
    "SOURCE_INFER_MUX",
    "SOURCE_MATCH_SPEC",
    "SOURCE_SCHEMA_FLUX",
    "SOURCE_TOKEN_TRACE",
    "PAYLOAD_TYPES",
    "Message",
    "check_version",
    "checksum",
    "crc32",
    "is_compatible",
    "negotiate_version",
    "new",
    "unmarshal",
    "version_info",
    "ClosedError",
    "FullError",
    "MistError",
    "HTTPReceiver",
    "HTTPSender",
    "Stdio",
]
__all__ += [n for n in _types.__all__ if n not in __all__]
