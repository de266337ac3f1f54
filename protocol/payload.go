package protocol

import (
	"strconv"
	"sync"
)

// Message types: the value of [Message.Type] for each built-in payload.
const (
	TypeDataEntities  = "data.entities"
	TypeDataSchema    = "data.schema"
	TypeInferRequest  = "infer.request"
	TypeInferResponse = "infer.response"
	TypeEvalRun       = "eval.run"
	TypeEvalResult    = "eval.result"
	TypeTraceSpan     = "trace.span"
	TypeTraceAlert    = "trace.alert"
	TypeHealthPing    = "health.ping"
	TypeHealthPong    = "health.pong"
)

// Sources: the value of [Message.Source] for the tools of the MIST stack.
// Source is free text; these are the names the stack's own tools use.
const (
	SourceSchemaFlux = "schemaflux"
	SourceInferMux   = "infermux"
	SourceMatchSpec  = "matchspec"
	SourceTokenTrace = "tokentrace"
)

// InferRequest asks an inference router for a completion. It is the
// payload of [TypeInferRequest].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type InferRequest struct {
	// Model names the model; "auto" lets the router decide.
	Model    string            `json:"model"`
	Provider string            `json:"provider,omitempty"`
	Messages []ChatMessage     `json:"messages"`
	Params   map[string]any    `json:"params,omitempty"`
	Meta     map[string]string `json:"meta,omitempty"`
}

// ChatMessage is one turn of a conversation in an [InferRequest].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// InferResponse is the answer to an [InferRequest]. It is the payload of
// [TypeInferResponse].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type InferResponse struct {
	Model        string  `json:"model"`
	Provider     string  `json:"provider"`
	Content      string  `json:"content"`
	TokensIn     int64   `json:"tokens_in"`
	TokensOut    int64   `json:"tokens_out"`
	CostUSD      float64 `json:"cost_usd"`
	LatencyMS    int64   `json:"latency_ms"`
	FinishReason string  `json:"finish_reason"`
}

// EvalRun asks an eval runner to run a suite. It is the payload of
// [TypeEvalRun].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type EvalRun struct {
	Suite    string            `json:"suite"`
	Tasks    []string          `json:"tasks,omitempty"`
	Baseline bool              `json:"baseline"`
	InferURL string            `json:"infer_url,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// EvalResult is the outcome of one task of an eval run. It is the payload
// of [TypeEvalResult].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type EvalResult struct {
	Suite      string  `json:"suite"`
	Task       string  `json:"task"`
	Passed     bool    `json:"passed"`
	Score      float64 `json:"score"`
	Baseline   float64 `json:"baseline_score"`
	Delta      float64 `json:"delta"`
	DurationMS int64   `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
}

// TraceSpan is one finished span of a distributed trace. It is the payload
// of [TypeTraceSpan]; the trace package converts spans to and from it.
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type TraceSpan struct {
	TraceID   string `json:"trace_id"`            // 32 lower-case hex chars
	SpanID    string `json:"span_id"`             // 16 lower-case hex chars
	ParentID  string `json:"parent_id,omitempty"` // 16 lower-case hex chars, or "" for a root
	Operation string `json:"operation"`
	StartNS   int64  `json:"start_ns"`
	EndNS     int64  `json:"end_ns"`
	// Status is "ok" or "error".
	Status string         `json:"status"`
	Attrs  map[string]any `json:"attrs,omitempty"`
}

// TraceAlert reports a metric that crossed a threshold. It is the payload
// of [TypeTraceAlert].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type TraceAlert struct {
	// Level is "warning" or "critical".
	Level     string  `json:"level"`
	Metric    string  `json:"metric"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Message   string  `json:"message"`
}

// DataEntities announces a data set written by a data compiler. It is the
// payload of [TypeDataEntities].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type DataEntities struct {
	Count int `json:"count"`
	// Format is "json", "jsonl" or "csv".
	Format   string `json:"format"`
	Path     string `json:"path"`
	Schema   string `json:"schema,omitempty"`
	Checksum string `json:"checksum,omitempty"`
}

// DataSchema describes the fields of a data set. It is the payload of
// [TypeDataSchema].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type DataSchema struct {
	Name   string        `json:"name"`
	Fields []SchemaField `json:"fields"`
}

// SchemaField is one field of a [DataSchema].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type SchemaField struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
}

// HealthPing asks a tool whether it is alive. It is the payload of
// [TypeHealthPing].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type HealthPing struct {
	From string `json:"from"`
}

// HealthPong answers a [HealthPing]. It is the payload of [TypeHealthPong].
//
// Like every payload struct it is plain data: the zero value is an empty
// payload, and concurrent reads are safe.
type HealthPong struct {
	From    string `json:"from"`
	Version string `json:"version"`
	Uptime  int64  `json:"uptime_s"`
}

// registry maps a message type to the factory of its payload. It is the
// package-level payload registry that API.md prescribes; mu guards it.
var registry = struct {
	mu        sync.RWMutex
	factories map[string]func() any
}{factories: map[string]func() any{
	TypeDataEntities:  func() any { return new(DataEntities) },
	TypeDataSchema:    func() any { return new(DataSchema) },
	TypeInferRequest:  func() any { return new(InferRequest) },
	TypeInferResponse: func() any { return new(InferResponse) },
	TypeEvalRun:       func() any { return new(EvalRun) },
	TypeEvalResult:    func() any { return new(EvalResult) },
	TypeTraceSpan:     func() any { return new(TraceSpan) },
	TypeTraceAlert:    func() any { return new(TraceAlert) },
	TypeHealthPing:    func() any { return new(HealthPing) },
	TypeHealthPong:    func() any { return new(HealthPong) },
}}

// PayloadFor returns a new value to decode the payload of a message of type
// typ into, and true; for the built-in types it is a pointer to the zero
// payload struct (for example *InferRequest for [TypeInferRequest]). Each
// call returns a new value. An unregistered type gives (nil, false).
//
//	v, ok := protocol.PayloadFor(msg.Type)
//	if ok {
//		err = msg.Decode(v)
//	}
func PayloadFor(typ string) (any, bool) {
	registry.mu.RLock()
	f, ok := registry.factories[typ]
	registry.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return f(), true
}

// RegisterPayload adds a message type to the registry that [PayloadFor]
// reads. factory is called once per PayloadFor call and should return a
// new pointer each time.
//
// RegisterPayload panics if typ is empty, factory is nil, or typ is
// already registered (the built-in types are registered from the start).
// These are programming mistakes; call it from an init function or main.
func RegisterPayload(typ string, factory func() any) {
	if typ == "" {
		panic("protocol: RegisterPayload with an empty type name")
	}
	if factory == nil {
		panic("protocol: RegisterPayload(" + strconv.Quote(typ) + ") with a nil factory")
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if _, dup := registry.factories[typ]; dup {
		panic("protocol: RegisterPayload(" + strconv.Quote(typ) + ") called twice")
	}
	registry.factories[typ] = factory
}
