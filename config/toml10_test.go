package config_test

import (
	"strings"
	"testing"

	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
)

// ParseTOML accepts exactly TOML 1.0: the TOML 1.1 additions that go-toml
// v2.4 understands are rejected with their position.
func TestParseRejectsTOML11(t *testing.T) {
	tests := []struct {
		doc       string
		line, col int
	}{
		{"a = {\n x = 1 }", 1, 6},
		{"a = { x = 1, }", 1, 12},
		{"a = { x = 1 # c\n}", 1, 13},
		{"a = { x = [1], y = {\n} }", 1, 21},
		{`a = "\e"`, 1, 6},
		{`a = "\x41"`, 1, 6},
		{`"k\e" = 1`, 1, 3},
		{"[t]\na = \"\"\"\n\\x41\"\"\"", 3, 1},
		{"a = 07:32", 1, 5},
		{"\na = 1979-05-27T07:32Z", 2, 16},
		{"a = 1979-05-27 07:32-07:00", 1, 16},
		{"a = [07:32]", 1, 6},
	}
	for _, tt := range tests {
		_, err := config.ParseTOML(strings.NewReader(tt.doc))
		var pe *config.ParseError
		if !errors.As(err, &pe) || errors.Code(err) != errors.CodeValidation {
			t.Errorf("ParseTOML(%q) = %v, want a validation error wrapping *ParseError", tt.doc, err)
			continue
		}
		if pe.Line != tt.line || pe.Column != tt.col || !strings.Contains(pe.Msg, "TOML 1.0") {
			t.Errorf("ParseTOML(%q) = %v, want line %d, column %d and a TOML 1.0 message", tt.doc, pe, tt.line, tt.col)
		}
	}
}

// The TOML 1.0 check does not reject what merely looks like TOML 1.1.
func TestParseAcceptsTOML10LookAlikes(t *testing.T) {
	docs := []string{
		"a = { b = [\n  1, # comment\n  2,\n] }",
		`a = { b = "\\e", c = '\e', d = """\\x""" }`,
		`a = "x:y" # 07:32`,
		"a = 1979-05-27T07:32:00-07:00\nb = 1979-05-27T07:32:00.5+05:30\nc = 07:32:00",
		`a = { b = "x, }", c = 'y#z' }`,
		"a = [1, 2, ]",
		`a = """x"""""` + "\nb = '''y'''''",
		`a = """"""` + "\nb = ''''''\nc = \"\"\nd = ''",
		"[ \"k\\u0041\" ]\nx = { }",
		"a = 1 # trailing comment without newline",
	}
	for _, doc := range docs {
		if _, err := config.ParseTOML(strings.NewReader(doc)); err != nil {
			t.Errorf("ParseTOML(%q) = %v, want nil", doc, err)
		}
	}
}
