// Package gen generates the payload types of the MIST Python and
// TypeScript bindings from the Go payload structs of the protocol package.
//
// # Use
//
// [Reflect] reads structs by reflection into a [Schema]; [Schema.Python]
// and [Schema.TypeScript] write the two modules. [Files] and [Write] do
// this for the ten built-in message types ([Builtin]), which is what the
// mistgen command runs:
//
//	s, err := gen.Reflect(gen.Builtin()...)
//	py := s.Python()     // python/mist/_types.py
//	ts := s.TypeScript() // typescript/src/types.ts
//
// # Mapping
//
// Fields keep their declaration order and their encoding/json names;
// fields tagged "-" and unexported fields are left out. Go types map so:
//
//	Go                  Python                  TypeScript
//	string              str                     string
//	bool                bool                    boolean
//	int8…32, uint8…32   int (range checked)     number (range checked)
//	int, int64, uint…   int (range checked)     number | bigint (range checked)
//	float32, float64    float                   number
//	[]T                 list[T] | None          T[] | null
//	map[string]T        dict[str, T] | None     Record<string, T> | null
//	any                 Any                     unknown
//	struct S            S                       S
//
// A nil slice or map is None or null, as Go writes it null. Fields with
// omitempty are left out of to_dict() and to_json() (and are optional
// properties in TypeScript) when empty, with Go's meaning of empty; like
// encoding/json, omitempty does nothing on a struct field. A JSON
// name that is not a Python identifier or is a keyword gets a "_" ("from"
// becomes the attribute from_); TypeScript keeps JSON names as property
// names.
//
// The parsers (from_dict, parseX) accept what Go's encoding/json accepts:
// missing or null members give the zero value, unknown keys are ignored,
// keys match case-insensitively when no key matches exactly, integers must
// be integer literals within the Go type's range. The encoders (to_json,
// encodeX) write the bytes Go writes for the same values: field order,
// omitempty, map keys sorted, floats in Go's format, <, >, & and U+2028,
// U+2029 escaped.
//
// Both outputs start with a line holding [Header], and depend on nothing
// but the structs: the same input gives the same bytes on every run and
// platform (int and uint count as 64 bits everywhere).
//
// # Limits
//
// Pointers, embedded structs, the ",string" option, []byte, channels,
// functions and maps with non-string keys are refused with an error of
// code validation, as are empty or repeated message types and two
// different structs with the same name.
//
// 64-bit integers (int, int64, uint, uint64) are `number | bigint` in
// TypeScript: the parsers give a number up to Number.MAX_SAFE_INTEGER and a
// bigint beyond, so that nanosecond timestamps such as TraceSpan.start_ns
// stay exact; the encoders take either. The message envelope keeps its
// timestamp_ns as a bigint.
//
// # Concurrency
//
// A [Schema] never changes after [Reflect] returns it and is safe for
// concurrent use; the package has no other state.
package gen
