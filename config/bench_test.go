package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/greynewell/mist-go/config"
)

// BenchmarkParseDecode measures ParseTOML followed by Decode of the
// 50-line testdata/full.toml into nested structs.
func BenchmarkParseDecode(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "full.toml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		m, err := config.ParseTOML(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		var cfg fullConfig
		if err := config.Decode(m, &cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode measures Decode alone, from an already parsed map.
func BenchmarkDecode(b *testing.B) {
	m := readFull(b)
	b.ReportAllocs()
	for b.Loop() {
		var cfg fullConfig
		if err := config.Decode(m, &cfg); err != nil {
			b.Fatal(err)
		}
	}
}
