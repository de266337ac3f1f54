package gen

import (
	"os"
	"path/filepath"

	"github.com/greynewell/mist-go/errors"
)

// The generated files, relative to the bindings module directory.
const (
	PythonFile     = "python/mist/_types.py"
	TypeScriptFile = "typescript/src/types.ts"
)

// Files reflects over [Builtin] and returns the contents of [PythonFile]
// and [TypeScriptFile], keyed by those paths.
func Files() (map[string][]byte, error) {
	s, err := Reflect(Builtin()...)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		PythonFile:     s.Python(),
		TypeScriptFile: s.TypeScript(),
	}, nil
}

// Write writes the generated files under root, the bindings module
// directory, creating the directories they need. A file whose contents are
// already right is left alone, so its modification time stays. Errors have
// code internal.
func Write(root string) error {
	files, err := Files()
	if err != nil {
		return err
	}
	for _, name := range []string{PythonFile, TypeScriptFile} {
		path := filepath.Join(root, filepath.FromSlash(name))
		if old, err := os.ReadFile(path); err == nil && string(old) == string(files[name]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return errors.Wrapf(errors.CodeInternal, err, "gen: write %s", name)
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return errors.Wrapf(errors.CodeInternal, err, "gen: write %s", name)
		}
	}
	return nil
}
