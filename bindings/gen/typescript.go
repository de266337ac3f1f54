package gen

import (
	"bytes"
	"fmt"
	"strings"
)

// tsIdent reports whether name can be written bare as a property name.
func tsIdent(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// tsProp is the property name as written in an interface or literal.
func tsProp(name string) string {
	if tsIdent(name) {
		return name
	}
	return quote(name)
}

// tsAccess is the expression reading property name of v.
func tsAccess(v, name string) string {
	if tsIdent(name) {
		return v + "." + name
	}
	return v + "[" + quote(name) + "]"
}

// tsType is the TypeScript type of a value of type t. Slices and maps can
// be null, as they can be nil in Go; optional strips that outer null.
func tsType(t typeRef, optional bool) string {
	null := " | null"
	if optional {
		null = ""
	}
	switch t.kind {
	case kString:
		return "string"
	case kBool:
		return "boolean"
	case kInt, kUint:
		if t.bits == 64 {
			return "number | bigint" // exact beyond 2^53 as a bigint
		}
		return "number"
	case kFloat:
		return "number"
	case kAny:
		return "unknown"
	case kList:
		e := tsType(*t.elem, false)
		if strings.Contains(e, " ") {
			e = "(" + e + ")"
		}
		return e + "[]" + null
	case kMap:
		return "Record<string, " + tsType(*t.elem, false) + ">" + null
	case kStruct:
		return t.strct
	}
	panic("gen: unknown kind")
}

// tsParser is an expression for a Parser<T> of t. nonNull drops the
// acceptance of null for slices and maps.
func tsParser(t typeRef, nonNull bool) string {
	switch t.kind {
	case kString:
		return "s.string"
	case kBool:
		return "s.boolean"
	case kInt, kUint, kFloat:
		return "s." + t.number()
	case kAny:
		return "s.any"
	case kList, kMap:
		p := "s.listOf("
		if t.kind == kMap {
			p = "s.mapOf("
		}
		p += tsParser(*t.elem, false) + ")"
		if nonNull {
			return p
		}
		return "s.nullable(" + p + ")"
	case kStruct:
		return "parse" + t.strct
	}
	panic("gen: unknown kind")
}

// tsEncoder is an expression for an Encoder of t.
func tsEncoder(t typeRef) string {
	switch t.kind {
	case kString:
		return "s.encString"
	case kBool:
		return "s.encBool"
	case kInt, kUint, kFloat:
		n := t.number()
		return "s.enc" + strings.ToUpper(n[:1]) + n[1:]
	case kAny:
		return "s.encAny"
	case kList:
		return "s.encList(" + tsEncoder(*t.elem) + ")"
	case kMap:
		return "s.encMap(" + tsEncoder(*t.elem) + ")"
	case kStruct:
		return "encode" + t.strct
	}
	panic("gen: unknown kind")
}

// TypeScript returns the TypeScript module src/types.ts for s. The output
// depends only on s, so it is the same on every run and platform.
func (s *Schema) TypeScript() []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...); b.WriteByte('\n') }
	p("// %s", Header)
	p("// Source: the payload structs of github.com/greynewell/mist-go/protocol.")
	p("// Regenerate with `go generate` in the bindings directory.")
	p("")
	p("/**")
	p(" * Typed payloads of the MIST message types: one interface per Go payload")
	p(" * struct, with the struct's JSON names, plus for each a parser that checks a")
	p(" * decoded JSON value (throwing MistError with code \"validation\" when its")
	p(" * shape is wrong) and an encoder that writes the bytes Go's encoding/json")
	p(" * writes for the struct. As in Go, missing or null members get their zero")
	p(" * value, unknown keys are ignored, keys match case-insensitively when no key")
	p(" * matches exactly, and nil slices and maps are null. Go omitempty fields are")
	p(" * optional properties. 64-bit Go integers are `number | bigint`: the parsers")
	p(" * give a number up to Number.MAX_SAFE_INTEGER and a bigint beyond, so every")
	p(" * value stays exact, and the encoders take either.")
	p(" *")
	p(" * @module")
	p(" */")
	p("")
	p(`import * as s from "./shape.js";`)
	p("")
	for _, typ := range s.types {
		p("export const %s = %s;", constName(typ), quote(typ))
	}
	for _, def := range s.structs {
		p("")
		if def.messageType != "" {
			p("/** Payload of %s messages (Go: %s). */", quote(def.messageType), def.goType)
		} else {
			p("/** Nested in other payloads (Go: %s). */", def.goType)
		}
		p("export interface %s {", def.name)
		for _, f := range def.fields {
			p("  /** %s. */", strings.ReplaceAll(f.doc(), "*/", `*\/`))
			if f.omission() != keep {
				p("  %s?: %s;", tsProp(f.jsonName), tsType(f.typ, true))
			} else {
				p("  %s: %s;", tsProp(f.jsonName), tsType(f.typ, false))
			}
		}
		p("}")
		p("")
		p("/**")
		p(" * Checks that value has the shape of a {@link %s} and returns it as one.", def.name)
		p(" *")
		p(" * @throws MistError with code \"validation\" naming the path at fault.")
		p(" */")
		p("export function parse%s(value: unknown, path = %s): %s {", def.name, quote(def.name), def.name)
		if len(def.fields) == 0 {
			p("  s.members(value, path, []);")
			p("  return {} as %s;", def.name)
			p("}")
		} else {
			p("  const o = s.members(value, path, [%s]);", strings.Join(def.jsonNames(), ", "))
			p("  const out = {} as %s;", def.name)
		}
		for _, f := range def.fields {
			key, sub := quote(f.jsonName), quote("."+f.jsonName)
			if f.omission() != keep {
				p("  {")
				p("    const x = o.get(%s);", key)
				p("    if (x !== undefined && x !== null) %s = %s(x, path + %s);", tsAccess("out", f.jsonName), tsParser(f.typ, true), sub)
				p("  }")
			} else {
				p("  %s = %s(o.get(%s), path + %s);", tsAccess("out", f.jsonName), tsParser(f.typ, false), key, sub)
			}
		}
		if len(def.fields) > 0 {
			p("  return out;")
			p("}")
		}
		p("")
		p("/**")
		p(" * Returns the JSON text Go's encoding/json writes for a {@link %s}.", def.name)
		p(" *")
		p(" * @throws MistError with code \"validation\" when a field holds a value Go")
		p(" * could not hold, such as a string in a number field or a NaN.")
		p(" */")
		p("export function encode%s(v: %s, path = %s): string {", def.name, def.name, quote(def.name))
		p("  s.object(v, path);")
		p("  const parts: string[] = [];")
		for _, f := range def.fields {
			omit := [...]string{keep: "s.KEEP", omitEmpty: "s.OMIT_EMPTY", omitNil: "s.OMIT_ANY"}[f.omission()]
			p("  s.put(parts, %s, %s(%s, path + %s), %s);", quote(string(jsonKey(f.jsonName))),
				tsEncoder(f.typ), tsAccess("v", f.jsonName), quote("."+f.jsonName), omit)
		}
		p(`  return "{" + parts.join(",") + "}";`)
		p("}")
	}
	p("")
	p("/** The payload type of each message type. */")
	p("export interface PayloadTypes {")
	for _, def := range s.payloads() {
		p("  %s: %s;", quote(def.messageType), def.name)
	}
	p("}")
	p("")
	p("/** A message type with a generated payload type. */")
	p("export type PayloadType = keyof PayloadTypes;")
	p("")
	p("/** The parser and encoder of each message type's payload. */")
	p("export const payloadCodecs: { readonly [K in PayloadType]: s.Codec<PayloadTypes[K]> } = {")
	for _, def := range s.payloads() {
		p("  %s: { parse: parse%s, encode: encode%s },", quote(def.messageType), def.name, def.name)
	}
	p("};")
	p("")
	p("/** Reports whether type has a generated payload type. */")
	p("export function isPayloadType(type: string): type is PayloadType {")
	p("  return Object.hasOwn(payloadCodecs, type);")
	p("}")
	return b.Bytes()
}
