package gen

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// Payload pairs a message type with a Go value of its payload struct (or a
// pointer to one). [Reflect] reads the struct's fields and JSON tags.
type Payload struct {
	MessageType string
	Value       any
}

// builtinTypes lists the message types of the protocol package in the order
// the generated files declare them.
var builtinTypes = [...]string{
	protocol.TypeDataEntities, protocol.TypeDataSchema,
	protocol.TypeInferRequest, protocol.TypeInferResponse,
	protocol.TypeEvalRun, protocol.TypeEvalResult,
	protocol.TypeTraceSpan, protocol.TypeTraceAlert,
	protocol.TypeHealthPing, protocol.TypeHealthPong,
}

// Builtin returns the ten built-in message types of the protocol package
// with their payloads, as [protocol.PayloadFor] gives them, in a fixed order.
func Builtin() []Payload {
	ps := make([]Payload, 0, len(builtinTypes))
	for _, typ := range builtinTypes {
		v, ok := protocol.PayloadFor(typ)
		if !ok { // unreachable: the built-in types are registered from the start
			panic("gen: protocol.PayloadFor(" + typ + ") is not registered")
		}
		ps = append(ps, Payload{MessageType: typ, Value: v})
	}
	return ps
}

// kind is the JSON-level kind of a field's Go type.
type kind int

const (
	kString kind = iota + 1
	kBool
	kInt   // signed integers; bits says which
	kUint  // unsigned integers; bits says which
	kFloat // float32 or float64
	kList  // slice of elem
	kMap   // map[string]elem
	kAny   // interface{}
	kStruct
)

// typeRef describes the type of a field or of an element.
type typeRef struct {
	kind   kind
	bits   int      // kInt, kUint, kFloat
	goName string   // Go spelling, for documentation: "int64", "[]string"
	elem   *typeRef // kList, kMap
	strct  string   // kStruct: the struct's name
}

// number is the name of a numeric type as both bindings spell their
// codecs: "int64", "uint8", "float32".
func (t typeRef) number() string {
	switch t.kind {
	case kInt:
		return "int" + strconv.Itoa(t.bits)
	case kUint:
		return "uint" + strconv.Itoa(t.bits)
	case kFloat:
		return "float" + strconv.Itoa(t.bits)
	}
	panic("gen: not a number kind")
}

// field is one JSON member of a struct.
type field struct {
	goName    string
	jsonName  string
	pyName    string // the Python attribute, see pyAttr
	omitEmpty bool
	typ       typeRef
}

// omission is when encoding/json leaves a field out.
type omission int

const (
	keep      omission = iota // never
	omitEmpty                 // when empty: false, 0, "", or a nil or empty slice or map
	omitNil                   // when nil: an any field
)

// omission says when encoding/json leaves the field out. Without the
// omitempty option it never does, and a struct is never empty to
// encoding/json, so omitempty does nothing on a struct field.
func (f field) omission() omission {
	switch {
	case !f.omitEmpty || f.typ.kind == kStruct:
		return keep
	case f.typ.kind == kAny:
		return omitNil
	}
	return omitEmpty
}

// doc describes the field in the generated files: its JSON name and its Go
// declaration.
func (f field) doc() string {
	doc := fmt.Sprintf("JSON %s; Go %s %s", quote(f.jsonName), f.goName, f.typ.goName)
	if f.omitEmpty {
		doc += ", omitempty"
	}
	return doc
}

// structDef is one struct to generate.
type structDef struct {
	name        string // Go type name, also the name in Python and TypeScript
	goType      string // qualified Go name, e.g. "protocol.InferRequest"
	messageType string // "" for a struct only nested in others
	fields      []field
}

// jsonNames returns the JSON names of def's fields as quoted literals.
func (def *structDef) jsonNames() []string {
	names := make([]string, len(def.fields))
	for i, f := range def.fields {
		names[i] = quote(f.jsonName)
	}
	return names
}

// Schema is the reflected description of a set of payload structs and the
// structs nested in them, ready to be written as Python or TypeScript.
//
// A Schema never changes after [Reflect] returns it, so it is safe for
// concurrent use. The zero Schema holds no types; its generated files
// declare nothing but the header and the (empty) registry.
type Schema struct {
	structs []structDef // dependencies first
	types   []string    // message types, in the order given to Reflect
}

// MessageTypes returns the message types of s in declaration order.
func (s *Schema) MessageTypes() []string {
	return append([]string(nil), s.types...)
}

// payloads returns the payload struct of each message type, in the order
// of the message types.
func (s *Schema) payloads() []*structDef {
	defs := make([]*structDef, 0, len(s.types))
	for _, typ := range s.types {
		for i := range s.structs {
			if s.structs[i].messageType == typ {
				defs = append(defs, &s.structs[i])
			}
		}
	}
	return defs
}

// Reflect reads the payload structs of payloads by reflection. Fields are
// taken in declaration order with their encoding/json names and omitempty
// options; unexported fields and fields tagged "-" are skipped.
//
// Supported field types are string, bool, the integer and float kinds,
// slices of supported types, maps with string keys and supported values,
// interface{} (any JSON value) and nested structs. Anything else (pointers,
// embedded structs, the ",string" option, channels, ...) gives an error
// with code validation, as does an empty or repeated message type or two
// different structs with the same name.
func Reflect(payloads ...Payload) (*Schema, error) {
	r := &reflector{byName: map[string]reflect.Type{}, done: map[string]bool{}}
	s := &Schema{}
	seen := map[string]bool{}
	for _, p := range payloads {
		if p.MessageType == "" {
			return nil, errors.New(errors.CodeValidation, "gen: empty message type")
		}
		if seen[p.MessageType] {
			return nil, errors.Newf(errors.CodeValidation, "gen: message type %q given twice", p.MessageType)
		}
		seen[p.MessageType] = true
		t := reflect.TypeOf(p.Value)
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			return nil, errors.Newf(errors.CodeValidation, "gen: payload of %q is %v, want a struct", p.MessageType, reflect.TypeOf(p.Value))
		}
		name, err := r.visit(t)
		if err != nil {
			return nil, err
		}
		for i := range r.structs {
			if r.structs[i].name == name {
				if r.structs[i].messageType != "" {
					return nil, errors.Newf(errors.CodeValidation, "gen: struct %s is the payload of both %q and %q", name, r.structs[i].messageType, p.MessageType)
				}
				r.structs[i].messageType = p.MessageType
			}
		}
		s.types = append(s.types, p.MessageType)
	}
	consts := map[string]string{}
	for _, typ := range s.types {
		c := constName(typ)
		if prev, dup := consts[c]; dup {
			return nil, errors.Newf(errors.CodeValidation, "gen: message types %q and %q both give the constant %s", prev, typ, c)
		}
		consts[c] = typ
	}
	s.structs = r.structs
	return s, nil
}

// reflector walks struct types depth first, so that every struct comes
// after the structs it uses.
type reflector struct {
	structs []structDef
	byName  map[string]reflect.Type
	done    map[string]bool // false while visiting: a cycle
}

func (r *reflector) visit(t reflect.Type) (string, error) {
	name := t.Name()
	if name == "" {
		return "", errors.Newf(errors.CodeValidation, "gen: anonymous struct %v is not supported", t)
	}
	if prev, ok := r.byName[name]; ok {
		if prev != t {
			return "", errors.Newf(errors.CodeValidation, "gen: two structs named %s (%v and %v)", name, prev, t)
		}
		if !r.done[name] {
			return "", errors.Newf(errors.CodeValidation, "gen: struct %s refers to itself", name)
		}
		return name, nil
	}
	r.byName[name] = t
	def := structDef{name: name, goType: t.String()}
	jsonNames := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return "", errors.Newf(errors.CodeValidation, "gen: %s.%s: embedded fields are not supported", name, sf.Name)
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		jsonName, opts, _ := strings.Cut(tag, ",")
		if jsonName == "" {
			jsonName = sf.Name
		}
		f := field{goName: sf.Name, jsonName: jsonName}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				f.omitEmpty = true
			default:
				return "", errors.Newf(errors.CodeValidation, "gen: %s.%s: json option %q is not supported", name, sf.Name, o)
			}
		}
		if jsonNames[jsonName] {
			return "", errors.Newf(errors.CodeValidation, "gen: %s: two fields named %q in JSON", name, jsonName)
		}
		jsonNames[jsonName] = true
		ref, err := r.ref(sf.Type, name+"."+sf.Name)
		if err != nil {
			return "", err
		}
		f.typ = ref
		def.fields = append(def.fields, f)
	}
	if err := setPyNames(&def); err != nil {
		return "", err
	}
	r.done[name] = true
	r.structs = append(r.structs, def)
	return name, nil
}

func (r *reflector) ref(t reflect.Type, where string) (typeRef, error) {
	switch t.Kind() {
	case reflect.String:
		return typeRef{kind: kString, goName: t.String()}, nil
	case reflect.Bool:
		return typeRef{kind: kBool, goName: t.String()}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return typeRef{kind: kInt, bits: intBits(t), goName: t.String()}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return typeRef{kind: kUint, bits: intBits(t), goName: t.String()}, nil
	case reflect.Float32, reflect.Float64:
		return typeRef{kind: kFloat, bits: t.Bits(), goName: t.String()}, nil
	case reflect.Interface:
		if t.NumMethod() != 0 {
			break
		}
		return typeRef{kind: kAny, goName: "any"}, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			break // []byte is base64 in encoding/json
		}
		e, err := r.ref(t.Elem(), where+"[]")
		if err != nil {
			return typeRef{}, err
		}
		return typeRef{kind: kList, elem: &e, goName: "[]" + e.goName}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		e, err := r.ref(t.Elem(), where+"[]")
		if err != nil {
			return typeRef{}, err
		}
		return typeRef{kind: kMap, elem: &e, goName: "map[string]" + e.goName}, nil
	case reflect.Struct:
		name, err := r.visit(t)
		if err != nil {
			return typeRef{}, err
		}
		return typeRef{kind: kStruct, strct: name, goName: name}, nil
	}
	return typeRef{}, errors.Newf(errors.CodeValidation, "gen: %s: type %v is not supported", where, t)
}

// intBits returns the size of an integer type, counting int and uint as
// 64 bits whatever the platform, so that the output does not depend on
// where the generator runs.
func intBits(t reflect.Type) int {
	if k := t.Kind(); k == reflect.Int || k == reflect.Uint {
		return 64
	}
	return t.Bits()
}

// constName turns a message type into an upper-case constant name:
// "infer.request" -> "TYPE_INFER_REQUEST".
func constName(messageType string) string {
	var b strings.Builder
	b.WriteString("TYPE_")
	for _, c := range messageType {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// quote writes s as a double-quoted string literal that Python and
// TypeScript both read: backslash, quote and control characters escaped,
// everything else as is (the files are UTF-8).
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
