// Package config loads a tool's TOML file into a Go struct, overlays
// environment variables, and validates the result using struct tags.
//
// Parsing is full TOML 1.0 through github.com/pelletier/go-toml/v2.
// Decoding, the environment overlay and validation are this package's, and
// every error points at the line and column, the dotted field path or the
// environment variable involved. All errors carry code validation from
// github.com/greynewell/mist-go/errors, except a missing file (not_found)
// and a failing read (internal).
//
// # Loading
//
//	type Config struct {
//		Server struct {
//			Addr    string        `toml:"listen-addr" validate:"required"`
//			Port    int           `validate:"min=1,max=65535"`
//			Timeout time.Duration `validate:"min=1s"`
//		}
//		Servers []Backend `toml:"servers"`
//	}
//
//	var cfg Config
//	if err := config.Load("app.toml", "app", &cfg, config.Strict()); err != nil {
//		return err
//	}
//	if err := config.Validate(&cfg); err != nil {
//		return err
//	}
//
// [Load] is [ParseTOML], then [Decode], then the environment overlay. It does
// not call [Validate]; call it once the struct holds its final values.
//
// # Parsing
//
// [ParseTOML] accepts exactly TOML 1.0, and rejects duplicate keys and
// redefined tables. go-toml v2.4 also understands TOML 1.1, so a cheap
// second pass over the accepted text rejects the 1.1 additions: newlines,
// comments and trailing commas inside inline tables, the \e and \xHH
// escapes, and times without seconds. The result holds only plain Go
// values:
//
//	TOML                         Go
//	string                       string
//	integer                      int64
//	float                        float64
//	boolean                      bool
//	offset date-time             time.Time (with its offset)
//	local date-time, local date  time.Time in UTC
//	local time                   string "HH:MM:SS[.frac]"
//	array                        []any
//	table, inline table          map[string]any
//	array of tables              []any of map[string]any
//
// A syntax error is an error with code validation wrapping a *[ParseError]
// whose Line and Column are 1-based (the column counts bytes):
//
//	validation: line 2, column 8: unexpected character U+003D '=' at start of value
//
// # Decoding
//
// [Decode] fills a struct from such a map. A field's key is its toml tag
// name (the text before any comma), or else its lower-cased Go name, matched
// exactly. Unexported fields and fields tagged toml:"-" are skipped, a key
// that is absent leaves its field untouched, and an embedded struct is a
// field like any other (its key is its lower-cased type name; it is not
// flattened). When two fields have the same key, the first one wins.
//
// Conversions are strict:
//
//   - string and bool fields take only TOML strings and booleans;
//   - int and uint fields take integers, or floats with no fraction, and
//     are range-checked (a negative value into a uint fails);
//   - float fields take floats or integers;
//   - time.Duration takes a time.ParseDuration string ("1m30s") or integer
//     nanoseconds;
//   - time.Time takes a TOML date or date-time, or an RFC 3339 string;
//   - slices take arrays and are replaced, not appended to;
//   - map[string]T fields take tables and are merged into;
//   - structs take tables; a nil *struct is allocated.
//
// Any other field type (interfaces, pointers to non-structs, Go arrays,
// channels, ...) is an error when its key is present. Each error names the
// dotted path of the key, as in server.port or servers[1].port, also in
// Meta["field"]. Decode reports every problem it finds, joined.
//
// Under [Strict], keys that match no field are one more error, listing every
// unknown dotted path. The keys of a map[string]T field are never unknown.
//
// [Load] adds the file name and the line of the key to decode errors
// ("app.toml: line 12: server.port: expected integer, got string", with
// Meta["line"]), and the line of each unknown key under Strict, by parsing
// the document a second time with go-toml's position-aware parser. That
// happens only when decoding fails.
//
// # Environment overlay
//
// With a non-empty prefix, [Load] reads one variable per field: the prefix
// upper-cased, an underscore, then the TOML key segments upper-cased and
// joined by underscores, with '.' and '-' turned into '_'. Prefix "app" with
// [server] listen-addr reads APP_SERVER_LISTEN_ADDR. The prefix is used as
// given, so pass "app", not "app_".
//
// The overlay reaches nested structs and *struct fields at any depth; a nil
// *struct is allocated only when a variable below it is set. It does not
// reach maps or slices of structs. A variable counts as set when
// [os.LookupEnv] finds it, even empty, and its value overrides the file.
// Values parse by the field's kind: strconv.ParseBool for bool, base-10
// integers (range-checked), floats, time.ParseDuration or integer
// nanoseconds for time.Duration, RFC 3339 for time.Time, and
// comma-separated items, each trimmed, for a slice of those (an empty value
// is an empty slice). A value that does not parse is an error naming the
// variable and the field, with Meta["env"] and Meta["field"]:
//
//	validation: APP_PORT: port: cannot parse "abc" as int: strconv.ParseInt: parsing "abc": invalid syntax
//
// # Validation
//
// [Validate] reads comma-separated rules from validate:"..." tags:
//
//	required      not the zero value; for slices and maps, not empty; for pointers, not nil
//	min=N, max=N  numbers by value (time.Duration accepts min=1s), strings by
//	              rune count, slices, arrays and maps by length
//	oneof=a|b|c   strings and integer kinds
//
// It descends into nested structs, non-nil *struct fields, and slices or
// arrays of structs or struct pointers, and collects every failure, in field
// order, into one joined error. Each failure is an *errors.Error whose
// Meta["field"] is the dotted TOML path, with these messages:
//
//	server.port is required
//	server.port must be >= 1 (got 0)
//	server.port must be <= 65535 (got 70000)
//	mode must be one of [dev, prod] (got "test")
//	level must be one of [1, 2] (got 3)
//
// After a failed required rule the field's other rules are skipped. An
// unknown rule, a bound that does not parse, or a rule that does not fit the
// field's kind is an error naming the field.
//
// # Concurrency
//
// The package has no state: every function is safe for concurrent use, as
// long as callers do not share a target struct. The environment is
// process-global, so tests that set variables cannot run in parallel with
// loads that read them.
package config
