package protocol_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/greynewell/mist-go/protocol"
)

func TestPayloadFor(t *testing.T) {
	tests := []struct {
		typ  string
		want any
	}{
		{protocol.TypeDataEntities, &protocol.DataEntities{}},
		{protocol.TypeDataSchema, &protocol.DataSchema{}},
		{protocol.TypeInferRequest, &protocol.InferRequest{}},
		{protocol.TypeInferResponse, &protocol.InferResponse{}},
		{protocol.TypeEvalRun, &protocol.EvalRun{}},
		{protocol.TypeEvalResult, &protocol.EvalResult{}},
		{protocol.TypeTraceSpan, &protocol.TraceSpan{}},
		{protocol.TypeTraceAlert, &protocol.TraceAlert{}},
		{protocol.TypeHealthPing, &protocol.HealthPing{}},
		{protocol.TypeHealthPong, &protocol.HealthPong{}},
	}
	for _, tt := range tests {
		a, ok := protocol.PayloadFor(tt.typ)
		if !ok || !reflect.DeepEqual(a, tt.want) {
			t.Errorf("PayloadFor(%q) = %#v, %v; want %#v, true", tt.typ, a, ok, tt.want)
			continue
		}
		b, _ := protocol.PayloadFor(tt.typ)
		if reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() {
			t.Errorf("PayloadFor(%q) returned the same pointer twice", tt.typ)
		}
	}
	for _, typ := range []string{"", "nope", "Health.Ping"} {
		if v, ok := protocol.PayloadFor(typ); v != nil || ok {
			t.Errorf("PayloadFor(%q) = %v, %v; want nil, false", typ, v, ok)
		}
	}
}

type custom struct{ N int }

func TestRegisterPayload(t *testing.T) {
	const typ = "test.register_payload"
	protocol.RegisterPayload(typ, func() any { return new(custom) })
	t.Cleanup(func() { protocol.UnregisterPayload(typ) })
	v, ok := protocol.PayloadFor(typ)
	if _, isCustom := v.(*custom); !ok || !isCustom {
		t.Fatalf("PayloadFor(%q) = %T, %v; want *custom, true", typ, v, ok)
	}

	tests := []struct {
		name    string
		typ     string
		factory func() any
		want    string
	}{
		{"empty name", "", func() any { return nil }, "empty"},
		{"nil factory", "test.nil_factory", nil, "nil factory"},
		{"duplicate", typ, func() any { return nil }, "twice"},
		{"duplicate built-in", protocol.TypeHealthPing, func() any { return nil }, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tt.want) {
					t.Errorf("RegisterPayload(%q) panic = %v, want one mentioning %q", tt.typ, r, tt.want)
				}
			}()
			protocol.RegisterPayload(tt.typ, tt.factory)
		})
	}
	if _, ok := protocol.PayloadFor("test.nil_factory"); ok {
		t.Error("a rejected registration was kept")
	}
}

// The registry is safe for concurrent use; run with -race.
func TestRegistryConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			typ := fmt.Sprintf("test.concurrent.%d", i)
			protocol.RegisterPayload(typ, func() any { return new(custom) })
			t.Cleanup(func() { protocol.UnregisterPayload(typ) })
			for range 100 {
				if _, ok := protocol.PayloadFor(protocol.TypeEvalRun); !ok {
					t.Error("PayloadFor(eval.run) = false")
					return
				}
			}
		})
	}
	wg.Wait()
	for i := range 8 {
		if _, ok := protocol.PayloadFor(fmt.Sprintf("test.concurrent.%d", i)); !ok {
			t.Errorf("test.concurrent.%d not registered", i)
		}
	}
}

func TestPayloadJSONNames(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{protocol.InferRequest{Model: "auto", Provider: "p", Messages: []protocol.ChatMessage{{Role: "user", Content: "hi"}}, Params: map[string]any{"t": 1}, Meta: map[string]string{"k": "v"}},
			`{"model":"auto","provider":"p","messages":[{"role":"user","content":"hi"}],"params":{"t":1},"meta":{"k":"v"}}`},
		{protocol.InferRequest{Model: "auto"}, `{"model":"auto","messages":null}`},
		{protocol.InferResponse{Model: "m", Provider: "p", Content: "c", TokensIn: 1, TokensOut: 2, CostUSD: 0.5, LatencyMS: 3, FinishReason: "stop"},
			`{"model":"m","provider":"p","content":"c","tokens_in":1,"tokens_out":2,"cost_usd":0.5,"latency_ms":3,"finish_reason":"stop"}`},
		{protocol.EvalRun{Suite: "s", Tasks: []string{"a"}, Baseline: true, InferURL: "u", Tags: map[string]string{"k": "v"}},
			`{"suite":"s","tasks":["a"],"baseline":true,"infer_url":"u","tags":{"k":"v"}}`},
		{protocol.EvalRun{Suite: "s"}, `{"suite":"s","baseline":false}`},
		{protocol.EvalResult{Suite: "s", Task: "t", Passed: true, Score: 1, Baseline: 0.5, Delta: 0.5, DurationMS: 7, Error: "e"},
			`{"suite":"s","task":"t","passed":true,"score":1,"baseline_score":0.5,"delta":0.5,"duration_ms":7,"error":"e"}`},
		{protocol.TraceSpan{TraceID: "t", SpanID: "s", ParentID: "p", Operation: "o", StartNS: 1, EndNS: 2, Status: "ok", Attrs: map[string]any{"a": true}},
			`{"trace_id":"t","span_id":"s","parent_id":"p","operation":"o","start_ns":1,"end_ns":2,"status":"ok","attrs":{"a":true}}`},
		{protocol.TraceSpan{TraceID: "t", SpanID: "s"}, `{"trace_id":"t","span_id":"s","operation":"","start_ns":0,"end_ns":0,"status":""}`},
		{protocol.TraceAlert{Level: "warning", Metric: "m", Value: 2, Threshold: 1, Message: "x"},
			`{"level":"warning","metric":"m","value":2,"threshold":1,"message":"x"}`},
		{protocol.DataEntities{Count: 1, Format: "csv", Path: "p", Schema: "s", Checksum: "c"},
			`{"count":1,"format":"csv","path":"p","schema":"s","checksum":"c"}`},
		{protocol.DataSchema{Name: "n", Fields: []protocol.SchemaField{{Name: "f", Type: "string", Required: true}}},
			`{"name":"n","fields":[{"name":"f","type":"string","required":true}]}`},
		{protocol.HealthPing{From: "a"}, `{"from":"a"}`},
		{protocol.HealthPong{From: "a", Version: "1.0", Uptime: 9}, `{"from":"a","version":"1.0","uptime_s":9}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.v)
		if err != nil || string(b) != tt.want {
			t.Errorf("json.Marshal(%T) = %s, %v; want %s", tt.v, b, err, tt.want)
		}
	}
}
