"""JSON as Go's encoding/json reads and writes it (mist._json)."""

from __future__ import annotations

import math
import struct
import unittest

import _support  # noqa: F401 - sets the import path

from mist import _json
from _support import float_table


def table_value(e: dict) -> float:
    raw = bytes.fromhex(e["hex"])
    return struct.unpack(">d" if e["bits"] == 64 else ">f", raw)[0]


class FormatFloatTest(unittest.TestCase):
    def test_go_table(self) -> None:
        # Every entry of the table Go writes (bindings/testdata/floats.json).
        table = float_table()
        self.assertGreaterEqual(len(table), 800)
        self.assertEqual({e["bits"] for e in table}, {32, 64})
        for e in table:
            with self.subTest(entry=e):
                self.assertEqual(_json.format_float(table_value(e), e["bits"]), e["go"])

    def test_corners(self) -> None:
        tests = [
            (0.0, 64, "0"), (-0.0, 64, "-0"), (1e21, 64, "1e+21"), (1e20, 64, "100000000000000000000"),
            (1e-6, 64, "0.000001"), (1e-7, 64, "1e-7"), (1.5e-10, 64, "1.5e-10"), (1e100, 64, "1e+100"),
            (5e-324, 64, "5e-324"), (0.1, 32, "0.1"), (16777217.0, 32, "16777216"),
        ]
        for f, bits, want in tests:
            with self.subTest(f=f, bits=bits):
                self.assertEqual(_json.format_float(f, bits), want)

    def test_refuses_nan_and_infinities(self) -> None:
        for f in (math.nan, math.inf, -math.inf):
            with self.subTest(f=f):
                with self.assertRaises(ValueError):
                    _json.format_float(f)


class EncodeStringTest(unittest.TestCase):
    def test_table(self) -> None:
        tests = [
            ("", '""'),
            ("plain", '"plain"'),
            ("<a & b>", '"\\u003ca \\u0026 b\\u003e"'),
            ('"\\/', '"\\"\\\\/"'),
            ("\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'),
            ("\x00\x01\x1f\x7f", '"\\u0000\\u0001\\u001f\x7f"'),
            ("\u2028\u2029\u2027", '"\\u2028\\u2029\u2027"'),
            ("é😀\ufffd", '"é😀\ufffd"'),
            ("\ud800", '"\\ufffd"'),
            ("\udc00\ud83d", '"\\ufffd\\ufffd"'),
        ]
        for s, want in tests:
            with self.subTest(s=s):
                self.assertEqual(_json.encode_string(s), want.encode("utf-8"))


class DecodeStringTest(unittest.TestCase):
    def test_table(self) -> None:
        tests = [
            (b'""', ""),
            (b'"a\\"b"', 'a"b'),
            (b'"\\u00e9\\u0041"', "éA"),
            (b'"\\ud83d\\ude00"', "😀"),
            (b'"\\ud800"', "\ufffd"),  # a lone surrogate
            (b'"\\ud800\\u0041"', "\ufffdA"),  # a high surrogate without its low half
            (b'"\\udc00\\ud800"', "\ufffd\ufffd"),
            (b'"\xff\xfe"', "\ufffd\ufffd"),  # invalid UTF-8: one U+FFFD per byte
            (b'"\xe2\x82"', "\ufffd\ufffd"),  # a cut sequence
            (b'"\xed\xa0\x80"', "\ufffd\ufffd\ufffd"),  # an encoded surrogate
            (b'"\xf0\x9f\x98\x80"', "😀"),
        ]
        for lit, want in tests:
            with self.subTest(lit=lit):
                self.assertEqual(_json.decode_string(lit), want)


class ScanTest(unittest.TestCase):
    def test_valid(self) -> None:
        for data in [b"0", b"-0", b"1.5e+3", b'"x"', b"null", b" [ 1 , {} ] ", b'{"a":{"b":[true,false]}}',
                     b'"\xff"', b"[" * 10000 + b"]" * 10000]:
            with self.subTest(data=data[:40]):
                self.assertTrue(_json.valid(data))

    def test_invalid(self) -> None:
        for data in [b"", b" ", b"01", b"1.", b".5", b"+1", b"1e", b"NaN", b"Infinity", b"nul", b"[1,]",
                     b'{"a":1,}', b"{a:1}", b"'x'", b'"\t"', b'"\\x"', b'"\\u12"', b"[1] [2]", b"\xef\xbb\xbf1",
                     b"[" * 10001 + b"]" * 10001, b'{"a" 1}', b"[1 2]"]:
            with self.subTest(data=data[:40]):
                self.assertFalse(_json.valid(data))

    def test_members(self) -> None:
        data = b' { "a" : 1 , "b\\u0041" : [2, {"c": 3}] , "a":"x" } '
        got = [(k, data[s:e]) for k, s, e in _json.scan(data, members=True)]
        self.assertEqual(got, [(b'"a"', b"1"), (b'"b\\u0041"', b'[2, {"c": 3}]'), (b'"a"', b'"x"')])
        with self.assertRaises(_json.NotObject):
            _json.scan(b"[1]", members=True)
        with self.assertRaises(_json.SyntaxErr):
            _json.scan(b"[1", members=True)


class CompactTest(unittest.TestCase):
    def test_table(self) -> None:
        tests = [
            (b'{"a":1}', b'{"a":1}'),
            (b' {\n\t"a" : [ 1 , 2 ] \r} ', b'{"a":[1,2]}'),
            (b'" a <b> & c "', b'" a \\u003cb\\u003e \\u0026 c "'),
            (b'"\xe2\x80\xa8\xe2\x80\xa9"', b'"\\u2028\\u2029"'),
            (b'"\\" <"', b'"\\" \\u003c"'),  # an escaped quote does not end the string
            (b'["\xff", 1.50E+3]', b'["\xff",1.50E+3]'),  # other bytes and number text are kept
        ]
        for data, want in tests:
            with self.subTest(data=data):
                self.assertEqual(_json.compact_checked(data), want)

    def test_refuses_invalid(self) -> None:
        with self.assertRaises(_json.SyntaxErr):
            _json.compact_checked(b"{oops")


class ParseValueTest(unittest.TestCase):
    def test_values(self) -> None:
        self.assertEqual(_json.parse_value(b'{"a":[1,2.5,"\\ud800x",null,true]}'), {"a": [1, 2.5, "\ufffdx", None, True]})
        deep = _json.parse_value(b"[" * 5000 + b"1" + b"]" * 5000)
        for _ in range(5000):
            deep = deep[0]
        self.assertEqual(deep, 1)

    def test_refuses_numbers_go_cannot_hold(self) -> None:
        for data in [b"1e400", b"[-1e999]", b"9" * 400, b"9" * 5000]:
            with self.subTest(data=data[:20]):
                with self.assertRaises(ValueError):
                    _json.parse_value(data)

    def test_typed(self) -> None:
        # Numbers are left to the typed parsers, -0 keeps its sign, and
        # objects keep their members in order, repeated keys included.
        v = _json.parse_value(b'{"a":1,"A":-0,"a":1e400,"n":' + b"9" * 5000 + b"}", typed=True)
        self.assertEqual(v.pairs[:2], [("a", 1), ("A", 0)])
        self.assertIsInstance(v.pairs[1][1], _json.NegZero)
        self.assertEqual(v.pairs[2], ("a", math.inf))
        self.assertEqual(v["n"], math.inf)
        deep = _json.parse_value(b'{"k":' * 3000 + b"1" + b"}" * 3000, typed=True)
        self.assertEqual(deep.pairs[0][0], "k")


class EncodeValueTest(unittest.TestCase):
    def test_as_go_writes_maps_and_slices(self) -> None:
        tests = [
            (None, b"null"),
            ({"b": 1, "a": [True, None, 2.5, "<"]}, b'{"a":[true,null,2.5,"\\u003c"],"b":1}'),
            # keys sorted by their UTF-8 bytes, as Go sorts map keys
            ({"\ue000": 1, "\U0001f600": 2, "z": 3, "Z": 4, "é": 5}, '{"Z":4,"z":3,"é":5,"\ue000":1,"😀":2}'.encode()),
            ((1, 2), b"[1,2]"),
            (12345678901234567890, b"12345678901234567890"),
            (1e21, b"1e+21"),
        ]
        for v, want in tests:
            with self.subTest(v=v):
                self.assertEqual(_json.encode_value(v), want)

    def test_refuses(self) -> None:
        for v in [math.nan, {"a": math.inf}, {1: "x"}, object(), {"a": {1, 2}}]:
            with self.subTest(v=v):
                with self.assertRaises((TypeError, ValueError)):
                    _json.encode_value(v)


if __name__ == "__main__":
    unittest.main()
