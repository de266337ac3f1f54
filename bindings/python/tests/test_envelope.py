"""The envelope: new, validate, marshal, checksum, unmarshal, versions."""

from __future__ import annotations

import re
import time
import unittest

import _support  # noqa: F401 - sets the import path

import mist
from mist import Message

HEADER = b'{"version":"1","id":"a","source":"s","type":"health.ping","timestamp_ns":1'


def msg(**kw: object) -> Message:
    base = dict(version="1", id="a", source="s", type="health.ping", timestamp_ns=1, payload=b'{"from":"x"}')
    base.update(kw)
    return Message(**base)  # type: ignore[arg-type]


class NewTest(unittest.TestCase):
    def test_fills_the_header(self) -> None:
        before = time.time_ns()
        m = mist.new(mist.SOURCE_MATCH_SPEC, mist.TYPE_HEALTH_PING, mist.HealthPing(from_="matchspec"))
        self.assertEqual(m.version, mist.CURRENT_VERSION)
        self.assertRegex(m.id, r"^[0-9a-f]{32}$")
        self.assertEqual(m.source, "matchspec")
        self.assertEqual(m.type, "health.ping")
        self.assertGreaterEqual(m.timestamp_ns, before)
        self.assertEqual(m.payload, b'{"from":"matchspec"}')
        self.assertEqual(m.checksum, 0)
        m.validate()

    def test_ids_differ(self) -> None:
        ids = {mist.new("s", "t", None).id for _ in range(100)}
        self.assertEqual(len(ids), 100)

    def test_payload_encodings(self) -> None:
        tests = [
            # a generated class: Go's bytes for the struct
            (mist.TYPE_INFER_REQUEST, mist.InferRequest(model="auto", params={"b": 1, "a": 2.5}),
             b'{"model":"auto","messages":null,"params":{"a":2.5,"b":1}}'),
            # a dict for a built-in type: checked and written as the struct
            (mist.TYPE_HEALTH_PONG, {"uptime_s": 3, "from": "x", "extra": 1}, b'{"from":"x","version":"","uptime_s":3}'),
            # any other value: as Go writes a map (keys sorted), slice or scalar
            ("custom", {"b": [1, 2.0, None, True], "a": "<&>"}, b'{"a":"\\u003c\\u0026\\u003e","b":[1,2,null,true]}'),
            ("custom", None, b"null"),
            ("custom", 1e21, b"1e+21"),
            # bytes: raw JSON, checked and compacted
            ("custom", b' { "z" : [ 1 , "<" ] } ', b'{"z":[1,"\\u003c"]}'),
        ]
        for typ, payload, want in tests:
            with self.subTest(payload=payload):
                self.assertEqual(mist.new("s", typ, payload).payload, want)

    def test_bad_payloads(self) -> None:
        tests = [
            ("custom", float("nan")),
            ("custom", {"a": float("inf")}),
            ("custom", {1: "non-string key"}),
            ("custom", object()),
            ("custom", b"{not json"),
            (mist.TYPE_HEALTH_PONG, {"uptime_s": "3"}),
            (mist.TYPE_INFER_REQUEST, {"messages": [{"role": 1}]}),
        ]
        for typ, payload in tests:
            with self.subTest(payload=payload):
                with self.assertRaises(mist.MistError) as cm:
                    mist.new("s", typ, payload)
                self.assertEqual(cm.exception.code, "validation")

    def test_wrong_shape_names_the_field(self) -> None:
        with self.assertRaises(mist.MistError) as cm:
            mist.new("s", mist.TYPE_INFER_REQUEST, {"messages": [{"role": 1}]})
        self.assertEqual(cm.exception.field, "InferRequest.messages[0].role")


class ValidateTest(unittest.TestCase):
    def test_order(self) -> None:
        tests = [
            (dict(version="", id="", source="", type="", timestamp_ns=0), "missing_field", "version"),
            (dict(id="", source="", type="", timestamp_ns=0), "missing_field", "id"),
            (dict(source="", type="", timestamp_ns=0), "missing_field", "source"),
            (dict(type="", timestamp_ns=0), "missing_field", "type"),
            (dict(timestamp_ns=0, payload=b"x" * (mist.MAX_MESSAGE_SIZE + 1)), "timestamp", "timestamp_ns"),
            (dict(timestamp_ns=-5), "timestamp", "timestamp_ns"),
            (dict(payload=b"x" * (mist.MAX_MESSAGE_SIZE + 1)), "size", "payload"),
        ]
        for kw, reason, field in tests:
            with self.subTest(kw=list(kw)):
                with self.assertRaises(mist.MistError) as cm:
                    msg(**kw).validate()
                e = cm.exception
                self.assertEqual((e.code, e.reason, e.field), ("protocol", reason, field))

    def test_valid(self) -> None:
        for kw in [{}, dict(payload=b""), dict(payload=b"null"), dict(version="99", id="not hex", checksum=7)]:
            with self.subTest(kw=kw):
                msg(**kw).validate()  # validate checks neither the version, the id format nor the checksum


class MarshalTest(unittest.TestCase):
    def test_key_order_and_checksum(self) -> None:
        m = msg()
        self.assertEqual(m.marshal(), HEADER + b',"payload":{"from":"x"}}')
        m.checksum = 5
        self.assertEqual(m.marshal(), HEADER + b',"payload":{"from":"x"},"checksum":5}')
        self.assertEqual(msg(payload=b"").marshal(), HEADER + b',"payload":null}')

    def test_string_escaping(self) -> None:
        tests = [
            ("<a & b>", '"\\u003ca \\u0026 b\\u003e"'),
            ("\u2028\u2029", '"\\u2028\\u2029"'),
            ('q"b\\', '"q\\"b\\\\"'),
            ("\b\f\n\r\t\x00\x1f\x7f", '"\\b\\f\\n\\r\\t\\u0000\\u001f\x7f"'),
            ("é😀\ufffd", '"é😀\ufffd"'),
            ("\ud800x", '"\\ufffdx"'),  # a lone surrogate is not a character: Go writes \ufffd
        ]
        for source, want in tests:
            with self.subTest(source=source):
                got = msg(source=source).marshal()
                self.assertIn(b'"source":' + want.encode("utf-8") + b",", got)

    def test_payload_is_compacted(self) -> None:
        m = msg(payload=b' { "from" : "<x>" } ')
        self.assertEqual(m.marshal(), HEADER + b',"payload":{"from":"\\u003cx\\u003e"}}')

    def test_bad_fields(self) -> None:
        for kw in [dict(payload=b"{oops"), dict(timestamp_ns=1 << 63), dict(checksum=-1), dict(checksum=1 << 32),
                   dict(source=5), dict(timestamp_ns=1.5)]:
            with self.subTest(kw=kw):
                with self.assertRaises(mist.MistError) as cm:
                    msg(**kw).marshal()
                self.assertEqual(cm.exception.code, "validation")

    def test_marshal_with_checksum_leaves_the_message(self) -> None:
        m = msg(payload=b' {"from" : "x"}')
        data = m.marshal_with_checksum()
        self.assertEqual(m.payload, b' {"from" : "x"}')
        self.assertEqual(m.checksum, 0)
        got = mist.unmarshal(data)
        self.assertEqual(got.payload, b'{"from":"x"}')
        self.assertEqual(got.checksum, mist.checksum(b'{"from":"x"}'))

    def test_compute_checksum(self) -> None:
        m = msg(payload=b' {"from" : "x"}')
        m.compute_checksum()
        self.assertEqual(m.payload, b'{"from":"x"}')
        self.assertEqual(m.checksum, mist.crc32(b'{"from":"x"}'))
        self.assertTrue(m.verify_checksum())
        absent = msg(payload=b"")
        absent.compute_checksum()
        self.assertEqual(absent.checksum, mist.crc32(b"null"))

    # Fixed on purpose: a payload whose CRC is 0 gets checksum 1 and verifies.
    def test_crc_zero_is_stored_as_one(self) -> None:
        p = b'{"from":"crc32 is zero #19 KcXK"}'
        self.assertEqual(mist.crc32(p), 0)
        self.assertEqual(mist.checksum(p), 1)
        m = msg(payload=p)
        m.compute_checksum()
        self.assertEqual(m.checksum, 1)
        self.assertTrue(m.verify_checksum())
        self.assertEqual(mist.unmarshal(m.marshal()).checksum, 1)


class UnmarshalTest(unittest.TestCase):
    def test_rejections(self) -> None:
        ok = b',"payload":{"from":"x"}}'
        tests = [
            (b"", "json", ""),
            (b"  ", "json", ""),
            (b"[]", "json", ""),
            (b'"x"', "json", ""),
            (b"null", "json", ""),
            (b"{} {}", "json", ""),
            (b'{"a":NaN}', "json", ""),
            (b'{"a":01}', "json", ""),
            (b'{"a":"\x01"}', "json", ""),
            (b"{" + b"[" * 10001 + b"]" * 10001 + b"}", "json", ""),
            (b'{"version":1}', "field_type", "version"),
            (b'{"version":"1","id":true}', "field_type", "id"),
            (b'{"version":"1","source":{}}', "field_type", "source"),
            (b'{"type":[]}', "field_type", "type"),
            (b'{"timestamp_ns":1.0}', "field_type", "timestamp_ns"),
            (b'{"timestamp_ns":1e3}', "field_type", "timestamp_ns"),
            (b'{"timestamp_ns":9223372036854775808}', "field_type", "timestamp_ns"),
            (b'{"checksum":-0}', "field_type", "checksum"),
            (b'{"checksum":4294967296}', "field_type", "checksum"),
            (b'{"version":1,"checksum":"x"}', "field_type", "version"),
            (b"{}", "missing_field", "version"),
            (b'{"version":null,"id":"a"}', "missing_field", "version"),
            (b'{"version":"1","id":"a","source":"s","type":"t"}', "timestamp", "timestamp_ns"),
            (b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":-0}', "timestamp", "timestamp_ns"),
            (HEADER.replace(b'"1"', b'" "', 1) + ok, "version", "version"),
            (HEADER.replace(b'"1"', b'"0"', 1) + ok, "version", "version"),
            # Fixed on purpose: version 99 is rejected.
            (HEADER.replace(b'"1"', b'"99"', 1) + ok, "version", "version"),
            (HEADER.replace(b'"1"', b'"+1"', 1) + ok, "version", "version"),
            (HEADER + b',"payload":{"from":"x"},"checksum":1}', "checksum", "checksum"),
            (b" " * (mist.MAX_MESSAGE_SIZE + 1), "size", ""),
        ]
        for data, reason, field in tests:
            with self.subTest(data=data[:80]):
                with self.assertRaises(mist.MistError) as cm:
                    mist.unmarshal(data)
                e = cm.exception
                self.assertEqual((e.code, e.reason, e.field), ("protocol", reason, field), str(e))

    # Fixed on purpose: a payload altered after checksumming is rejected,
    # and timestamp_ns <= 0 is rejected.
    def test_fixed_on_purpose(self) -> None:
        m = mist.unmarshal(mist.new("s", "t", {"a": 1}).marshal_with_checksum())
        altered = m.marshal().replace(b'"a":1', b'"a":2')
        with self.assertRaises(mist.MistError) as cm:
            mist.unmarshal(altered)
        self.assertEqual(cm.exception.reason, "checksum")
        for ts in (b"0", b"-1"):
            with self.assertRaises(mist.MistError) as cm:
                mist.unmarshal(HEADER[: HEADER.rindex(b":") + 1] + ts + b"}")
            self.assertEqual(cm.exception.reason, "timestamp")

    def test_accepts(self) -> None:
        tests = [
            # unknown and differently-cased keys are ignored; the last duplicate wins
            (b'{"Version":"9","version":"0","version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"x":[{}]}',
             b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":null}'),
            # escapes and invalid UTF-8 in header strings decode as in Go
            (b'{"version":" 1\\t","id":"\\u0061\\ud800","source":"\xff\xe2\x82","type":"\\/","timestamp_ns":9223372036854775807}',
             b'{"version":" 1\\t","id":"a\xef\xbf\xbd","source":"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd","type":"/","timestamp_ns":9223372036854775807,"payload":null}'),
            # the payload keeps invalid UTF-8 and escapes as received
            (b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":["\xff","\\u00e9", 1.50E+3]}',
             b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":["\xff","\\u00e9",1.50E+3]}'),
            # checksum 0 means absent
            (b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"checksum":0}',
             b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":null}'),
            # 9999 levels of nesting inside the envelope are fine
            (b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":' + b"[" * 9999 + b"]" * 9999 + b"}",
             b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":' + b"[" * 9999 + b"]" * 9999 + b"}"),
        ]
        for data, want in tests:
            with self.subTest(data=data[:80]):
                self.assertEqual(mist.unmarshal(data).marshal(), want)

    def test_payload_as_text(self) -> None:
        m = Message(version="1", id="a", source="s", type="t", timestamp_ns=1, payload='{"a":"é"}')
        self.assertEqual(m.payload, '{"a":"é"}'.encode())
        self.assertEqual(m.marshal(), b'{"version":"1","id":"a","source":"s","type":"t","timestamp_ns":1,"payload":{"a":"\xc3\xa9"}}')

    def test_string_input(self) -> None:
        m = mist.unmarshal('{"version":"1","id":"a","source":"é","type":"t","timestamp_ns":1}')
        self.assertEqual(m.source, "é")

    def test_decode(self) -> None:
        m = mist.unmarshal(HEADER + b',"payload":{"from":"\\ud800<","n":1,"f":1.5}}')
        self.assertEqual(m.decode(), {"from": "\ufffd<", "n": 1, "f": 1.5})
        self.assertEqual(m.decode_as(), mist.HealthPing(from_="\ufffd<"))
        self.assertEqual(mist.unmarshal(HEADER + b',"payload":null}').decode_as(), mist.HealthPing())
        with self.assertRaises(mist.MistError) as cm:
            mist.unmarshal(HEADER + b"}").decode()
        self.assertEqual(cm.exception.code, "protocol")
        for payload in (b'{"from":1}', b"[]", b'{"from":["x"]}', b'"x"'):
            with self.subTest(payload=payload):
                with self.assertRaises(mist.MistError) as cm:
                    mist.unmarshal(HEADER + b',"payload":' + payload + b"}").decode_as()
                self.assertEqual(cm.exception.code, "protocol")
        # A number no Go type holds fails decode (Go: into any), but not
        # decode_as when it sits under a key no field takes (Go skips it).
        m = mist.unmarshal(HEADER + b',"payload":{"from":"x","junk":[1e400,-1e999,' + b"9" * 5000 + b"]}}")
        self.assertEqual(m.decode_as(), mist.HealthPing(from_="x"))
        with self.assertRaises(mist.MistError) as cm:
            m.decode()
        self.assertEqual(cm.exception.code, "protocol")
        # Repeated keys: the last one matching the field wins, exact or not.
        m = mist.unmarshal(HEADER + b',"payload":{"from":"a","FROM":"b","from":"c"}}')
        self.assertEqual(m.decode_as(), mist.HealthPing(from_="c"))
        with self.assertRaises(mist.MistError):
            msg(type="custom").decode_as()
        self.assertEqual(msg(type="custom").decode_as(mist.HealthPing), mist.HealthPing(from_="x"))


class VersionTest(unittest.TestCase):
    def test_check_version(self) -> None:
        ok = ["1", " 1 ", "\t1\n", "\u30001\u2028", "01", "0001"]
        bad = ["", "  ", "0", "2", "99", "1.0", "+1", "-1", "x", "1 1", "\ufeff1", "18446744073709551616", "١"]
        for v in ok:
            with self.subTest(v=v):
                mist.check_version(v)
                self.assertTrue(mist.is_compatible(v))
        for v in bad:
            with self.subTest(v=v):
                with self.assertRaises(mist.MistError) as cm:
                    mist.check_version(v)
                self.assertEqual((cm.exception.code, cm.exception.reason, cm.exception.field),
                                 ("protocol", "version", "version"))
                self.assertFalse(mist.is_compatible(v))

    def test_messages(self) -> None:
        for v, text in [("", "empty"), ("0", "too old"), ("2", "too new"), ("x", "not a decimal integer")]:
            with self.subTest(v=v):
                with self.assertRaisesRegex(mist.MistError, re.escape(text)):
                    mist.check_version(v)

    def test_negotiate(self) -> None:
        tests = [
            ("1", "1", "1"), ("1-3", "2-5", "3"), ("2-5", "1-3", "3"), (" 1 - 4 ", "4", "4"),
            ("1-18446744073709551615", "7", "7"),
        ]
        for local, remote, want in tests:
            with self.subTest(local=local, remote=remote):
                self.assertEqual(mist.negotiate_version(local, remote), want)
        for local, remote, text in [("1-2", "3-4", "no version in common"), ("3-1", "1", "min > max"),
                                    ("x", "1", "not a version"), ("1", "1-2-3", "not a version"),
                                    ("1-18446744073709551616", "1", "out of range"), ("", "1", "not a version")]:
            with self.subTest(local=local, remote=remote):
                with self.assertRaisesRegex(mist.MistError, re.escape(text)) as cm:
                    mist.negotiate_version(local, remote)
                self.assertEqual(cm.exception.reason, "version")

    def test_version_info(self) -> None:
        self.assertEqual(mist.version_info(), "MIST protocol version 1")


if __name__ == "__main__":
    unittest.main()
