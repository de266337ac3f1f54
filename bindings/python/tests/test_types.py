"""The generated payload classes (mist._types): Go's JSON names and bytes,
omitempty, and from_dict's shape checks."""

from __future__ import annotations

import dataclasses
import math
import unittest

import _support  # noqa: F401 - sets the import path

import mist
from mist import _types


class ToJSONTest(unittest.TestCase):
    def test_go_bytes(self) -> None:
        # The right-hand sides are what Go's json.Marshal writes for the
        # same protocol structs.
        tests = [
            (mist.InferRequest(), b'{"model":"","messages":null}'),
            (mist.InferRequest(model="auto", provider="p", messages=[mist.ChatMessage(role="user", content="<hi>")],
                               params={"t": 0.7, "n": 3, "z": None, "A": []}, meta={"b": "2", "a": "1"}),
             b'{"model":"auto","provider":"p","messages":[{"role":"user","content":"\\u003chi\\u003e"}],'
             b'"params":{"A":[],"n":3,"t":0.7,"z":null},"meta":{"a":"1","b":"2"}}'),
            (mist.EvalRun(tasks=[], tags={}), b'{"suite":"","baseline":false}'),
            (mist.EvalResult(suite="s", score=-0.0, baseline_score=1e21, delta=1e-7),
             b'{"suite":"s","task":"","passed":false,"score":-0,"baseline_score":1e+21,"delta":1e-7,"duration_ms":0}'),
            (mist.TraceSpan(attrs={}),
             b'{"trace_id":"","span_id":"","operation":"","start_ns":0,"end_ns":0,"status":""}'),
            (mist.DataSchema(fields=[]), b'{"name":"","fields":[]}'),
            (mist.DataEntities(count=-1), b'{"count":-1,"format":"","path":""}'),
            (mist.HealthPong(from_="\u2028", uptime_s=(1 << 63) - 1),
             b'{"from":"\\u2028","version":"","uptime_s":9223372036854775807}'),
            # a dict where a nested struct goes is written as that struct
            (mist.DataSchema(fields=[{"name": "a", "required": True}]),  # type: ignore[list-item]
             b'{"name":"","fields":[{"name":"a","type":"","required":true}]}'),
        ]
        for v, want in tests:
            with self.subTest(v=v):
                self.assertEqual(v.to_json(), want)

    def test_values_go_cannot_hold(self) -> None:
        tests = [
            (mist.TraceAlert(value=math.inf), "TraceAlert.value"),
            (mist.TraceAlert(value="1"), "TraceAlert.value"),  # type: ignore[arg-type]
            (mist.HealthPong(uptime_s=1 << 63), "HealthPong.uptime_s"),
            (mist.HealthPong(uptime_s=1.5), "HealthPong.uptime_s"),  # type: ignore[arg-type]
            (mist.HealthPing(from_=1), "HealthPing.from"),  # type: ignore[arg-type]
            (mist.EvalRun(baseline=1), "EvalRun.baseline"),  # type: ignore[arg-type]
            (mist.EvalRun(tasks="abc"), "EvalRun.tasks"),  # type: ignore[arg-type]
            (mist.EvalRun(tags={"a": 1}), "EvalRun.tags.a"),  # type: ignore[dict-item]
            (mist.TraceSpan(attrs={"x": [math.nan]}), "TraceSpan.attrs.x[0]"),
            (mist.InferRequest(messages=[mist.ChatMessage(role=None), 5]), "InferRequest.messages[1]"),  # type: ignore[list-item]
        ]
        for v, field in tests:
            with self.subTest(v=v):
                with self.assertRaises(mist.MistError) as cm:
                    v.to_json()
                self.assertEqual(cm.exception.code, "validation")
                self.assertEqual(cm.exception.field, field)


class ToDictTest(unittest.TestCase):
    def test_names_order_and_omitempty(self) -> None:
        self.assertEqual(list(mist.HealthPong(from_="x").to_dict()), ["from", "version", "uptime_s"])
        self.assertEqual(mist.EvalResult().to_dict(), {
            "suite": "", "task": "", "passed": False, "score": 0.0, "baseline_score": 0.0, "delta": 0.0,
            "duration_ms": 0,
        })
        self.assertEqual(mist.EvalResult(error="boom").to_dict()["error"], "boom")
        r = mist.InferRequest(messages=[mist.ChatMessage(role="user", content="hi")], params={"k": [1]})
        d = r.to_dict()
        self.assertEqual(d, {"model": "", "messages": [{"role": "user", "content": "hi"}], "params": {"k": [1]}})
        d["params"]["k"].append(2)  # a copy: the object is unchanged
        self.assertEqual(r.params, {"k": [1]})

    def test_round_trip(self) -> None:
        values = [
            mist.DataEntities(count=3, format="csv", path="p", schema="s", checksum="c"),
            mist.DataSchema(name="n", fields=[mist.SchemaField(name="a", type="int", required=True)]),
            mist.InferRequest(model="m", messages=[mist.ChatMessage(role="r", content="c")], params={"a": 1.5},
                              meta={"k": "v"}),
            mist.InferResponse(model="m", tokens_in=1, cost_usd=0.25, finish_reason="stop"),
            mist.EvalRun(suite="s", tasks=["a"], baseline=True, infer_url="u", tags={"t": "v"}),
            mist.EvalResult(suite="s", passed=True, score=1.0, error="e"),
            mist.TraceSpan(trace_id="t", span_id="s", parent_id="p", start_ns=1, end_ns=2, attrs={"x": None}),
            mist.TraceAlert(level="critical", value=2.5, threshold=-1e300),
            mist.HealthPing(from_="f"),
            mist.HealthPong(from_="f", version="v", uptime_s=9),
        ]
        self.assertEqual({type(v) for v in values}, set(mist.PAYLOAD_TYPES.values()))
        for v in values:
            with self.subTest(v=v):
                self.assertEqual(type(v).from_dict(v.to_dict()), v)
                self.assertEqual(mist.unmarshal(mist.new("s", v.MESSAGE_TYPE, v).marshal()).decode_as(), v)


class FromDictTest(unittest.TestCase):
    def test_as_go_decodes(self) -> None:
        tests = [
            # missing and null members give zero values; unknown keys are ignored
            (mist.HealthPong, {"version": None, "extra": [1]}, mist.HealthPong()),
            (mist.HealthPong, None, mist.HealthPong()),
            # keys match case-insensitively when no key matches exactly; the last one wins
            (mist.HealthPong, {"FROM": "a", "Uptime_S": 2}, mist.HealthPong(from_="a", uptime_s=2)),
            (mist.HealthPing, {"FROM": "x", "From": "y"}, mist.HealthPing(from_="y")),
            (mist.HealthPing, {"\u017from": "x"}, mist.HealthPing()),  # no fold to "from": ſ is not f
            (mist.EvalRun, {"\u017fuite": "s", "tag\u212a": None}, mist.EvalRun(suite="s")),  # ſ folds to s, K to k
            # null elements are zero values; nil slices and maps are None
            (mist.EvalRun, {"tasks": [None, "a"], "tags": None}, mist.EvalRun(tasks=["", "a"])),
            (mist.DataSchema, {"fields": [None]}, mist.DataSchema(fields=[mist.SchemaField()])),
            # int64 bounds; integral floats where Go takes floats
            (mist.InferResponse, {"tokens_in": -(1 << 63), "cost_usd": 1}, mist.InferResponse(tokens_in=-(1 << 63), cost_usd=1.0)),
            # interface values: numbers as float64, as Go holds them
            (mist.TraceSpan, {"attrs": {"big": 12345678901234567890, "small": 3}},
             mist.TraceSpan(attrs={"big": 1.2345678901234567e19, "small": 3})),
        ]
        for cls, data, want in tests:
            with self.subTest(cls=cls.__name__, data=data):
                self.assertEqual(cls.from_dict(data), want)

    def test_wrong_shapes(self) -> None:
        tests = [
            (mist.HealthPing, [], "HealthPing", "an object"),
            (mist.HealthPing, "x", "HealthPing", "an object"),
            (mist.HealthPing, {"from": 1}, "HealthPing.from", "a string"),
            (mist.EvalRun, {"baseline": "yes"}, "EvalRun.baseline", "a bool"),
            (mist.InferResponse, {"tokens_in": 1.5}, "InferResponse.tokens_in", "an integer"),
            (mist.InferResponse, {"tokens_in": 1 << 63}, "InferResponse.tokens_in", "an integer"),
            (mist.InferResponse, {"tokens_in": True}, "InferResponse.tokens_in", "an integer"),
            (mist.InferResponse, {"cost_usd": "1"}, "InferResponse.cost_usd", "a number"),
            (mist.InferResponse, {"cost_usd": 10 ** 400}, "InferResponse.cost_usd", "a finite number"),
            (mist.DataEntities, {"count": [1]}, "DataEntities.count", "an integer"),
            (mist.EvalRun, {"tasks": "a"}, "EvalRun.tasks", "an array"),
            (mist.EvalRun, {"tasks": [1]}, "EvalRun.tasks[0]", "a string"),
            (mist.EvalRun, {"tags": {"a": 1}}, "EvalRun.tags.a", "a string"),
            (mist.EvalRun, {"tags": []}, "EvalRun.tags", "an object"),
            (mist.DataSchema, {"fields": [{"required": "yes"}]}, "DataSchema.fields[0].required", "a bool"),
            (mist.InferRequest, {"messages": [{"role": 1}]}, "InferRequest.messages[0].role", "a string"),
            (mist.TraceSpan, {"attrs": {"x": math.inf}}, "TraceSpan.attrs.x", "a finite number"),
            (mist.TraceSpan, {"attrs": {"x": {1: 2}}}, "TraceSpan.attrs.x", "string keys"),
        ]
        for cls, data, field, want in tests:
            with self.subTest(cls=cls.__name__, data=data):
                with self.assertRaises(mist.MistError) as cm:
                    cls.from_dict(data)
                e = cm.exception
                self.assertEqual((e.code, e.field), ("validation", field))
                self.assertIn(want, str(e))
                self.assertTrue(str(e).startswith("validation: " + field + " is "), str(e))


class ModuleTest(unittest.TestCase):
    def test_registry(self) -> None:
        self.assertEqual(len(mist.PAYLOAD_TYPES), 10)
        for typ, cls in mist.PAYLOAD_TYPES.items():
            with self.subTest(typ=typ):
                self.assertEqual(cls.MESSAGE_TYPE, typ)
                self.assertTrue(dataclasses.is_dataclass(cls))
        self.assertEqual(mist.TYPE_INFER_REQUEST, "infer.request")
        self.assertNotIn("MESSAGE_TYPE", [f.name for f in dataclasses.fields(mist.HealthPing)])

    def test_generated_header(self) -> None:
        with open(_types.__file__, encoding="utf-8") as f:
            first = f.readline()
        self.assertIn("Code generated by mistgen. DO NOT EDIT.", first)


if __name__ == "__main__":
    unittest.main()
