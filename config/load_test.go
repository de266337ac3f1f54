package config_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadMissingFile(t *testing.T) {
	var cfg fullConfig
	err := config.Load(filepath.Join(t.TempDir(), "absent.toml"), "app", &cfg)
	if got := errors.Code(err); got != errors.CodeNotFound {
		t.Errorf("Load(absent) code = %q (%v), want not_found", got, err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(absent) = %v, want errors.Is(err, fs.ErrNotExist)", err)
	}
}

func TestLoadUnreadable(t *testing.T) {
	var cfg fullConfig
	err := config.Load(t.TempDir(), "", &cfg) // a directory
	if got := errors.Code(err); got != errors.CodeInternal {
		t.Errorf("Load(directory) code = %q (%v), want internal", got, err)
	}
}

func TestLoadParseErrorNamesFile(t *testing.T) {
	path := writeFile(t, "name = 'x'\n\nport = = 1\n")
	var cfg fullConfig
	err := config.Load(path, "", &cfg)
	var pe *config.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || pe.Column != 8 {
		t.Fatalf("Load = %v, want a *ParseError at line 3, column 8", err)
	}
	want := "validation: " + path + ": line 3, column 8: "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load error = %q, want prefix %q", err, want)
	}
}

// Bad input: a wrong-type value in a file names the key and its line.
func TestLoadDecodeErrorHasLine(t *testing.T) {
	tests := []struct {
		name, doc, field string
		line             int
	}{
		{"table key", "name = 'x'\n[server]\nport = 'eighty'\n", "server.port", 3},
		{"dotted key", "a = 1\n\nserver.timeout = true\n", "server.timeout", 3},
		{"array of tables", "[[servers]]\nport = 1\n[[servers]]\nname = 'b'\nport = 'two'\n", "servers[1].port", 5},
		{"nested array of tables", "[[servers]]\n[[servers.checks]]\n[[servers]]\n[[servers.checks]]\n[[servers.checks]]\ninterval = 1.5\n",
			"servers[1].checks[1].interval", 6},
		{"inline table", "[server]\n\nlimits = { burst = 1, rps = 'fast' }\n", "server.limits.rps", 3},
		{"array element", "tags = [\n 'a',\n 2,\n]\n", "tags[1]", 3},
		{"root value", "\n\nversion = 'three'", "version", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.doc)
			var cfg fullConfig
			err := config.Load(path, "", &cfg)
			var e *errors.Error
			if !errors.As(err, &e) {
				t.Fatalf("Load = %v, want an *errors.Error", err)
			}
			wantLine := strconv.Itoa(tt.line)
			if e.Meta["field"] != tt.field || e.Meta["line"] != wantLine {
				t.Errorf("Load error %v: field %q line %q, want %q and %s", err, e.Meta["field"], e.Meta["line"], tt.field, wantLine)
			}
			prefix := path + ": line " + wantLine + ": " + tt.field + ": "
			if !strings.HasPrefix(e.Message, prefix) {
				t.Errorf("Load error message %q, want prefix %q", e.Message, prefix)
			}
		})
	}
}

// Bad input: unknown keys in strict mode are listed with their lines.
func TestLoadStrictUnknownKeysHaveLines(t *testing.T) {
	doc := "name = 'x'\nbogus = 1\n[server]\nport = 1\nextra.deep = 2\n[[servers]]\nnope = 1\n"
	path := writeFile(t, doc)
	var cfg fullConfig
	err := config.Load(path, "", &cfg, config.Strict())
	want := path + ": unknown keys: bogus (line 2), server.extra (line 5), servers[0].nope (line 7)"
	var e *errors.Error
	if !errors.As(err, &e) || e.Message != want {
		t.Errorf("Load(Strict) = %v, want message %q", err, want)
	}
	if e != nil && e.Meta["keys"] != "bogus,server.extra,servers[0].nope" {
		t.Errorf("Meta[keys] = %q", e.Meta["keys"])
	}
}

func TestLoadDoesNotValidate(t *testing.T) {
	path := writeFile(t, "")
	var cfg vConfig // Name is required, but Load does not check
	if err := config.Load(path, "", &cfg); err != nil {
		t.Errorf("Load = %v, want nil: Load does not call Validate", err)
	}
	if err := config.Validate(&cfg); err == nil {
		t.Errorf("Validate after Load = nil, want failures")
	}
}
