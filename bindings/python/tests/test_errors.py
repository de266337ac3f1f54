"""Coded errors and their JSON form, as Go's errors package writes it."""

from __future__ import annotations

import unittest

import _support  # noqa: F401 - sets the import path

import mist
from mist import errors


class MistErrorTest(unittest.TestCase):
    def test_text(self) -> None:
        tests = [
            (mist.MistError("validation", "bad input"), "validation: bad input"),
            (mist.MistError("validation", "bad input", cause=ValueError("x")), "validation: bad input: x"),
            (mist.MistError("internal", "", cause=ValueError("x")), "internal: x"),
            (mist.MistError("internal"), "internal"),
        ]
        for e, want in tests:
            with self.subTest(want=want):
                self.assertEqual(str(e), want)

    def test_json_as_go_writes_it(self) -> None:
        # The right-hand sides are what json.Marshal writes for the same
        # *errors.Error in Go: meta keys sorted, cause as its text.
        tests = [
            (mist.MistError("auth", "transport: missing or wrong bearer token"),
             b'{"code":"auth","message":"transport: missing or wrong bearer token"}'),
            (mist.MistError("protocol", "m <1>", meta={"reason": "json", "field": "id"}, cause=ValueError("c&d")),
             b'{"code":"protocol","message":"m \\u003c1\\u003e","meta":{"field":"id","reason":"json"},"cause":"c\\u0026d"}'),
        ]
        for e, want in tests:
            with self.subTest(e=e):
                self.assertEqual(e.to_json(), want)
                back = mist.MistError.from_json(want)
                self.assertEqual((back.code, back.message, back.meta), (e.code, e.message, e.meta))
                self.assertEqual(str(back), str(e))

    def test_from_json_refuses_other_shapes(self) -> None:
        for data in [b"", b"[]", b"{bad", b'{"code":1}', b'{"meta":{"a":1}}', b'{"cause":{}}']:
            with self.subTest(data=data):
                with self.assertRaises(mist.MistError) as cm:
                    mist.MistError.from_json(data)
                self.assertEqual(cm.exception.code, "validation")

    def test_table(self) -> None:
        # Go's errors table: code -> HTTP status, exit code, retryable.
        tests = [
            ("", 200, 0, None), ("internal", 500, 1, True), ("timeout", 504, 5, True),
            ("cancelled", 499, 130, False), ("transport", 500, 7, True), ("protocol", 500, 8, False),
            ("validation", 400, 2, False), ("not_found", 404, 3, False), ("unavailable", 503, 6, True),
            ("rate_limit", 429, 9, True), ("auth", 401, 4, False), ("conflict", 409, 10, False),
            ("made_up", 500, 1, False),
        ]
        for code, status, exit_code, retryable in tests:
            with self.subTest(code=code):
                self.assertEqual(errors.http_status(code), status)
                self.assertEqual(errors.exit_code(code), exit_code)
                if retryable is not None:
                    self.assertEqual(mist.MistError(code).retryable, retryable)

    def test_transport_errors(self) -> None:
        closed, full = mist.ClosedError(), mist.FullError()
        self.assertEqual((closed.code, str(closed), closed.retryable), ("unavailable", "unavailable: transport: closed", False))
        self.assertEqual((full.code, str(full), full.retryable), ("unavailable", "unavailable: transport: full", True))

    def test_code_of(self) -> None:
        wrapped = RuntimeError("outer")
        wrapped.__cause__ = mist.MistError("auth", "x")
        tests = [(None, ""), (mist.MistError("auth"), "auth"), (wrapped, "auth"), (TimeoutError(), "timeout"),
                 (ValueError(), "internal")]
        for err, want in tests:
            with self.subTest(err=err):
                self.assertEqual(errors.code_of(err), want)


if __name__ == "__main__":
    unittest.main()
