package gen_test

import (
	"os"
	"path/filepath"
)

func readFile(root, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
}

func writeFile(root, name string, data []byte) error {
	return os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), data, 0o644)
}
