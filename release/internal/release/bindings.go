package release

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/greynewell/mist-go/errors"
)

// setBindingsVersion sets the package version of the Python and TypeScript
// bindings to version (without its "v"): `version = "..."` in the [project]
// table of python/pyproject.toml, and the top-level "version" of
// typescript/package.json and typescript/package-lock.json (and the root
// package entry of the lock file). Missing files are skipped; everything
// else in the files is kept byte for byte.
func setBindingsVersion(dir, version string) error {
	v := strings.TrimPrefix(version, "v")
	py := filepath.Join(dir, "python", "pyproject.toml")
	if data, err := os.ReadFile(py); err == nil {
		out, err := setTOMLVersion(data, v)
		if err != nil {
			return errors.Wrap(errors.CodeValidation, err, "bindings/python/pyproject.toml")
		}
		if err := writeFile(py, out); err != nil {
			return err
		}
	}
	for _, name := range []string{"package.json", "package-lock.json"} {
		p := filepath.Join(dir, "typescript", name)
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		out, err := setJSONVersion(data, v, name == "package-lock.json")
		if err != nil {
			return errors.Wrap(errors.CodeValidation, err, "bindings/typescript/"+name)
		}
		if err := writeFile(p, out); err != nil {
			return err
		}
	}
	return nil
}

var tomlVersion = regexp.MustCompile(`^(\s*version\s*=\s*)("[^"]*"|'[^']*')(.*)$`)

// setTOMLVersion sets version in the [project] table.
func setTOMLVersion(data []byte, v string) ([]byte, error) {
	lines := strings.SplitAfter(string(data), "\n")
	inProject := false
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			inProject = t == "[project]"
			continue
		}
		if !inProject {
			continue
		}
		body := strings.TrimRight(line, "\r\n")
		if m := tomlVersion.FindStringSubmatch(body); m != nil {
			lines[i] = m[1] + strconv.Quote(v) + m[3] + line[len(body):]
			return []byte(strings.Join(lines, "")), nil
		}
	}
	return nil, errors.New(errors.CodeValidation, `no version = "..." line in the [project] table`)
}

// setJSONVersion replaces the string value of the top-level "version" key
// (and, for a lock file, of packages[""].version), keeping the rest of the
// text unchanged.
func setJSONVersion(data []byte, v string, lock bool) ([]byte, error) {
	if !json.Valid(data) {
		return nil, errors.New(errors.CodeValidation, "not valid JSON")
	}
	s := &jsonScan{data: data, lock: lock}
	if err := s.value(nil); err != nil {
		return nil, err
	}
	if len(s.spans) == 0 {
		return nil, errors.New(errors.CodeValidation, `no top-level "version" string`)
	}
	quoted, _ := json.Marshal(v)
	var out bytes.Buffer
	last := 0
	for _, sp := range s.spans {
		out.Write(data[last:sp[0]])
		out.Write(quoted)
		last = sp[1]
	}
	out.Write(data[last:])
	return out.Bytes(), nil
}

// jsonScan walks valid JSON and records where the version strings are.
type jsonScan struct {
	data  []byte
	i     int
	lock  bool
	spans [][2]int
}

func (s *jsonScan) ws() {
	for s.i < len(s.data) && strings.IndexByte(" \t\r\n", s.data[s.i]) >= 0 {
		s.i++
	}
}

func (s *jsonScan) target(path []string) bool {
	if len(path) == 1 && path[0] == "version" {
		return true
	}
	return s.lock && len(path) == 3 && path[0] == "packages" && path[1] == "" && path[2] == "version"
}

// str reads a string token and returns its value.
func (s *jsonScan) str() (string, error) {
	start := s.i
	s.i++ // opening quote
	for s.i < len(s.data) && s.data[s.i] != '"' {
		if s.data[s.i] == '\\' {
			s.i++
		}
		s.i++
	}
	s.i++ // closing quote
	var v string
	err := json.Unmarshal(s.data[start:min(s.i, len(s.data))], &v)
	return v, err
}

func (s *jsonScan) value(path []string) error {
	s.ws()
	if s.i >= len(s.data) {
		return errors.New(errors.CodeValidation, "unexpected end of JSON")
	}
	switch s.data[s.i] {
	case '{':
		s.i++
		for {
			s.ws()
			if s.data[s.i] == '}' {
				s.i++
				return nil
			}
			key, err := s.str()
			if err != nil {
				return err
			}
			s.ws()
			s.i++ // ':'
			s.ws()
			p := append(path[:len(path):len(path)], key)
			start := s.i
			isString := s.data[s.i] == '"'
			if err := s.value(p); err != nil {
				return err
			}
			if isString && s.target(p) {
				s.spans = append(s.spans, [2]int{start, s.i})
			}
			s.ws()
			if s.data[s.i] == ',' {
				s.i++
			}
		}
	case '[':
		s.i++
		for {
			s.ws()
			if s.data[s.i] == ']' {
				s.i++
				return nil
			}
			if err := s.value(append(path[:len(path):len(path)], "[]")); err != nil {
				return err
			}
			s.ws()
			if s.data[s.i] == ',' {
				s.i++
			}
		}
	case '"':
		_, err := s.str()
		return err
	}
	for s.i < len(s.data) && strings.IndexByte(",}] \t\r\n", s.data[s.i]) < 0 {
		s.i++
	}
	return nil
}
