package gen_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greynewell/mist-go/bindings/gen"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

type withPointer struct {
	P *string `json:"p"`
}
type withEmbedded struct {
	protocol.HealthPing
}
type withStringOpt struct {
	N int `json:"n,string"`
}
type withBytes struct {
	B []byte `json:"b"`
}
type withChan struct {
	C chan int `json:"c"`
}
type withIntKeys struct {
	M map[int]string `json:"m"`
}
type withMethods struct {
	E error `json:"e"`
}
type recursive struct {
	Kids []recursive `json:"kids"`
}
type dupJSON struct {
	X string
	B string `json:"X"`
}
type pyClash struct {
	A string `json:"a-b"`
	B string `json:"a_b"`
}

// Two different structs named HealthPing.
type HealthPing struct {
	Other int `json:"other"`
}

func TestReflectErrors(t *testing.T) {
	tests := []struct {
		name     string
		payloads []gen.Payload
		want     string // in the message
	}{
		{"pointer field", []gen.Payload{{"t", withPointer{}}}, "*string is not supported"},
		{"embedded field", []gen.Payload{{"t", withEmbedded{}}}, "embedded fields are not supported"},
		{"string option", []gen.Payload{{"t", withStringOpt{}}}, `json option "string" is not supported`},
		{"bytes", []gen.Payload{{"t", withBytes{}}}, "[]uint8 is not supported"},
		{"channel", []gen.Payload{{"t", withChan{}}}, "chan int is not supported"},
		{"int map keys", []gen.Payload{{"t", withIntKeys{}}}, "map[int]string is not supported"},
		{"interface with methods", []gen.Payload{{"t", withMethods{}}}, "error is not supported"},
		{"recursive", []gen.Payload{{"t", recursive{}}}, "refers to itself"},
		{"duplicate json name", []gen.Payload{{"t", dupJSON{}}}, `two fields named "X"`},
		{"python attribute clash", []gen.Payload{{"t", pyClash{}}}, "both give the Python attribute a_b"},
		{"not a struct", []gen.Payload{{"t", 42}}, "want a struct"},
		{"nil", []gen.Payload{{"t", nil}}, "want a struct"},
		{"anonymous struct", []gen.Payload{{"t", struct{ A int }{}}}, "anonymous struct"},
		{"empty type", []gen.Payload{{"", protocol.HealthPing{}}}, "empty message type"},
		{"repeated type", []gen.Payload{{"t", protocol.HealthPing{}}, {"t", protocol.HealthPong{}}}, `"t" given twice`},
		{"same struct twice", []gen.Payload{{"a", protocol.HealthPing{}}, {"b", protocol.HealthPing{}}}, "payload of both"},
		{"two structs one name", []gen.Payload{{"a", protocol.HealthPing{}}, {"b", HealthPing{}}}, "two structs named HealthPing"},
		{"constant clash", []gen.Payload{{"a.b", protocol.HealthPing{}}, {"a_b", protocol.HealthPong{}}}, "both give the constant TYPE_A_B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := gen.Reflect(tt.payloads...)
			if err == nil {
				t.Fatalf("Reflect(%v) = %v, nil; want an error", tt.payloads, s)
			}
			if got := errors.Code(err); got != errors.CodeValidation {
				t.Errorf("Reflect(%v) error code = %q, want %q (%v)", tt.payloads, got, errors.CodeValidation, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Reflect(%v) error = %q, want it to contain %q", tt.payloads, err, tt.want)
			}
		})
	}
}

type mapped struct {
	Str     string            `json:"str"`
	Bool    bool              `json:"bool,omitempty"`
	I8      int8              `json:"i8"`
	U16     uint16            `json:"u16"`
	I       int               `json:"i"`
	F32     float32           `json:"f32"`
	Any     any               `json:"any,omitempty"`
	Nested  [][]string        `json:"nested"`
	Map     map[string][]bool `json:"map"`
	Untaged string
	Skipped string `json:"-"`
	hidden  string
	Keyword string `json:"class"`
	Dash    string `json:"a-b"`
}

func TestMapping(t *testing.T) {
	_ = mapped{hidden: ""}
	s, err := gen.Reflect(gen.Payload{MessageType: "x.mapped", Value: &mapped{}})
	if err != nil {
		t.Fatal(err)
	}
	py, ts := string(s.Python()), string(s.TypeScript())
	for _, want := range []string{
		`    str: str = ""`,
		`    bool: bool = False`,
		`    i8: int = 0`,
		`    f32: float = 0.0`,
		`    any: Any = None`,
		`    nested: list[list[str] | None] | None = None`,
		`    map: dict[str, list[bool] | None] | None = None`,
		`    Untaged: str = ""`,
		`    class_: str = ""`,
		`    a_b: str = ""`,
		`_shape.int8(o.get("i8"), path + ".i8")`,
		`_shape.uint16(o.get("u16"), path + ".u16")`,
		`_shape.int64(o.get("i"), path + ".i")`,
		`_shape.float32(o.get("f32"), path + ".f32")`,
		`_shape.put(parts, b'"any":', _shape.enc_any(self.any, path + ".any"), _shape.OMIT_ANY)`,
		`_shape.put(parts, b'"bool":', _shape.enc_bool(self.bool, path + ".bool"), _shape.OMIT_EMPTY)`,
		`TYPE_X_MAPPED = "x.mapped"`,
	} {
		if !strings.Contains(py, want) {
			t.Errorf("Python output has no line %q", want)
		}
	}
	for _, want := range []string{
		`  str: string;`,
		`  bool?: boolean;`,
		`  i8: number;`,
		`  any?: unknown;`,
		`  nested: (string[] | null)[] | null;`,
		`  map: Record<string, boolean[] | null> | null;`,
		`  Untaged: string;`,
		`  class: string;`,
		`  "a-b": string;`,
		`out["a-b"] = s.string(o.get("a-b"), path + ".a-b");`,
		`s.put(parts, "\"a-b\":", s.encString(v["a-b"], path + ".a-b"), s.KEEP);`,
		`export const TYPE_X_MAPPED = "x.mapped";`,
	} {
		if !strings.Contains(ts, want) {
			t.Errorf("TypeScript output has no line %q", want)
		}
	}
	for _, bad := range []string{"Skipped", "hidden"} {
		if strings.Contains(py, bad) || strings.Contains(ts, bad) {
			t.Errorf("output mentions the left-out field %s", bad)
		}
	}
}

type inner struct {
	A int `json:"a"`
}

type withOmittedStruct struct {
	N inner `json:"n,omitempty"`
	M int   `json:"m,omitempty"`
}

// encoding/json never leaves out a struct field, omitempty or not.
func TestOmitEmptyStruct(t *testing.T) {
	s, err := gen.Reflect(gen.Payload{MessageType: "x.o", Value: withOmittedStruct{}})
	if err != nil {
		t.Fatal(err)
	}
	py, ts := string(s.Python()), string(s.TypeScript())
	for _, want := range []string{
		`_shape.put(parts, b'"n":', _shape.enc_struct(inner)(self.n, path + ".n"), None)`,
		`_shape.put(parts, b'"m":', _shape.enc_int64(self.m, path + ".m"), _shape.OMIT_EMPTY)`,
		`        d["n"] = _shape.plain(self.n)`,
		`    """JSON "n"; Go N inner, omitempty."""`,
	} {
		if !strings.Contains(py, want) {
			t.Errorf("Python output has no line %q", want)
		}
	}
	for _, want := range []string{
		`  n: inner;`,
		`  m?: number | bigint;`,
		`  out.n = parseinner(o.get("n"), path + ".n");`,
		`s.put(parts, "\"n\":", encodeinner(v.n, path + ".n"), s.KEEP);`,
		`s.put(parts, "\"m\":", s.encInt64(v.m, path + ".m"), s.OMIT_EMPTY);`,
	} {
		if !strings.Contains(ts, want) {
			t.Errorf("TypeScript output has no line %q", want)
		}
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	a, err := gen.Files()
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := gen.Files()
		if err != nil {
			t.Fatal(err)
		}
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Fatalf("two runs of Files give different %s", name)
			}
		}
	}
}

// Every built-in type and nested struct is declared, each once, with the
// header first.
func TestBuiltinFiles(t *testing.T) {
	files, err := gen.Files()
	if err != nil {
		t.Fatal(err)
	}
	py, ts := string(files[gen.PythonFile]), string(files[gen.TypeScriptFile])
	if !strings.HasPrefix(py, "# "+gen.Header+"\n") || !strings.HasPrefix(ts, "// "+gen.Header+"\n") {
		t.Errorf("a generated file does not start with the header %q", gen.Header)
	}
	for _, name := range []string{"DataEntities", "DataSchema", "SchemaField", "InferRequest", "ChatMessage",
		"InferResponse", "EvalRun", "EvalResult", "TraceSpan", "TraceAlert", "HealthPing", "HealthPong"} {
		if got := strings.Count(py, "\nclass "+name+":"); got != 1 {
			t.Errorf("Python declares class %s %d times, want 1", name, got)
		}
		if got := strings.Count(ts, "\nexport interface "+name+" {"); got != 1 {
			t.Errorf("TypeScript declares interface %s %d times, want 1", name, got)
		}
	}
	for _, p := range gen.Builtin() {
		if _, ok := protocol.PayloadFor(p.MessageType); !ok {
			t.Errorf("Builtin lists %q, which protocol does not register", p.MessageType)
		}
		if !strings.Contains(ts, "  \""+p.MessageType+"\": { parse: ") {
			t.Errorf("TypeScript payloadCodecs has no entry for %q", p.MessageType)
		}
	}
	// Nested structs come before their users.
	if strings.Index(py, "class ChatMessage:") > strings.Index(py, "class InferRequest:") {
		t.Errorf("ChatMessage is declared after InferRequest")
	}
}

func TestWrite(t *testing.T) {
	root := t.TempDir()
	if err := gen.Write(root); err != nil {
		t.Fatal(err)
	}
	files, _ := gen.Files()
	for name, want := range files {
		got, err := readFile(root, name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("Write wrote %s different from Files", name)
		}
	}
	// A second Write leaves files that are right alone: their times stay.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for name := range files {
		if err := os.Chtimes(filepath.Join(root, filepath.FromSlash(name)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := gen.Write(root); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(old) {
			t.Errorf("a second Write rewrote %s (modified %v, want %v)", name, fi.ModTime(), old)
		}
	}
	// A file that is wrong is rewritten.
	stale := filepath.Join(root, filepath.FromSlash(gen.PythonFile))
	if err := os.WriteFile(stale, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := gen.Write(root); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(stale); !bytes.Equal(got, files[gen.PythonFile]) {
		t.Errorf("Write left a stale %s", gen.PythonFile)
	}
}

func TestWriteError(t *testing.T) {
	root := t.TempDir()
	// A file where the python directory should be.
	if err := writeFile(root, "python", []byte("x")); err != nil {
		t.Fatal(err)
	}
	err := gen.Write(root)
	if got := errors.Code(err); got != errors.CodeInternal {
		t.Errorf("Write into a blocked directory = %v (code %q), want code %q", err, got, errors.CodeInternal)
	}
}
