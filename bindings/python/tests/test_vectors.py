"""Every golden vector of protocol/testdata/vectors, read as Go reads it."""

from __future__ import annotations

import unittest

import _support  # noqa: F401 - sets the import path

import mist
from _support import expand, vectors


class VectorTest(unittest.TestCase):
    def test_vectors(self) -> None:
        vs = vectors()
        self.assertGreaterEqual(len(vs), 40, "too few vectors: wrong directory?")
        seen_valid = seen_invalid = 0
        for v in vs:
            with self.subTest(v["name"]):
                self.assertEqual(v["_file"], v["name"] + ".json")
                data = expand(v["input"])
                if v["valid"]:
                    seen_valid += 1
                    self.check_valid(v, data)
                else:
                    seen_invalid += 1
                    self.check_invalid(v, data)
        self.assertGreater(seen_valid, 0)
        self.assertGreater(seen_invalid, 0)

    def check_valid(self, v: dict, data: bytes) -> None:
        m = mist.unmarshal(data)
        want = v["message"]
        self.assertEqual(
            (m.version, m.id, m.source, m.type, str(m.timestamp_ns), m.checksum),
            (want["version"], want["id"], want["source"], want["type"], want["timestamp_ns"], want["checksum"]),
        )
        self.assertTrue(m.verify_checksum())
        if "payload" in want:
            got = m.decode() if m.payload else None
            self.assertEqual(got, want["payload"])
        self.assertEqual(m.marshal(), expand(v["canonical"]))
        # The canonical form reads back to the same canonical form.
        self.assertEqual(mist.unmarshal(m.marshal()).marshal(), m.marshal())

    def check_invalid(self, v: dict, data: bytes) -> None:
        with self.assertRaises(mist.MistError) as cm:
            mist.unmarshal(data)
        e = cm.exception
        self.assertEqual(e.code, "protocol")
        self.assertEqual(e.reason, v["reason"], str(e))
        self.assertEqual(e.field, v.get("field", ""), str(e))

    def test_vector_schema(self) -> None:
        # Keys not listed in the README are never written.
        allowed = {"name", "description", "valid", "reason", "field", "input", "canonical", "message", "_file"}
        for v in vectors():
            self.assertLessEqual(set(v), allowed, v["name"])


if __name__ == "__main__":
    unittest.main()
