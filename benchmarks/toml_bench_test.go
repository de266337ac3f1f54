package benchmarks

import (
	"bytes"
	"os"
	"reflect"
	"testing"
	"time"

	burntsushi "github.com/BurntSushi/toml"
	"github.com/greynewell/mist-go/config"
	gotoml "github.com/pelletier/go-toml/v2"
)

// Decode the 50-line config/testdata/full.toml into nested structs:
// config.ParseTOML followed by config.Decode (what config.Load does after
// reading the file) next to BurntSushi/toml and go-toml/v2 decoding
// straight into the same structs. There is no floor row.
//
// The structs are the same for all three, with two field types adapted to
// what each library can decode (type parameters below): the local time
// window.at is a string for ours (as config documents), a time.Time for
// BurntSushi and a toml.LocalTime for go-toml; and the durations, given
// both as strings ("1m30s") and as integer nanoseconds, are time.Duration
// for ours and BurntSushi, which parse both, and for go-toml a Duration
// type whose UnmarshalText calls time.ParseDuration (go-toml reads
// integers into it on its own). TestTOMLPeersAgree checks that the three
// read the same values. Ours also checks that the document is TOML 1.0 and
// not 1.1, which neither peer does.

type tomlDoc[LT, D any] struct {
	Name     string
	Version  int
	Debug    bool
	Ratio    float64
	MaxItems int `toml:"max-items"`
	Tags     []string
	Started  time.Time
	Window   struct {
		Open time.Time
		Day  time.Time
		At   LT
	}
	Banner  string
	Pattern string
	Server  *struct {
		ListenAddr string `toml:"listen-addr"`
		Port       uint16
		Timeout    D
		Idle       D
		Limits     struct {
			RPS   float32 `toml:"rps"`
			Burst int
		}
		TLS     *struct{ Cert, Key string } `toml:"tls"`
		Headers map[string]string
	}
	Servers []struct {
		Name    string
		Port    int
		Weights []int
		Backoff D
		Checks  []struct {
			Path     string
			Interval D
		}
	}
}

type (
	oursDoc       = tomlDoc[string, time.Duration]
	burntsushiDoc = tomlDoc[time.Time, time.Duration]
	gotomlDoc     = tomlDoc[gotoml.LocalTime, textDuration]
)

// textDuration is a time.Duration that go-toml can read from a string.
type textDuration time.Duration

func (d *textDuration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = textDuration(v)
	return err
}

func fullTOML(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile("../config/testdata/full.toml")
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func decodeOurs(data []byte) (*oursDoc, error) {
	m, err := config.ParseTOML(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	v := new(oursDoc)
	return v, config.Decode(m, v)
}

func decodeBurntSushi(data []byte) (*burntsushiDoc, error) {
	v := new(burntsushiDoc)
	_, err := burntsushi.Decode(string(data), v)
	return v, err
}

func decodeGoTOML(data []byte) (*gotomlDoc, error) {
	v := new(gotomlDoc)
	return v, gotoml.Unmarshal(data, v)
}

func BenchmarkTOMLDecode(b *testing.B) {
	data := fullTOML(b)
	for _, bm := range []struct {
		name   string
		decode func([]byte) error
	}{
		{"mist", func(d []byte) error { _, err := decodeOurs(d); return err }},
		{"burntsushi", func(d []byte) error { _, err := decodeBurntSushi(d); return err }},
		{"go-toml", func(d []byte) error { _, err := decodeGoTOML(d); return err }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bm.decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTOMLPeersAgree checks that the three decoders read the same values,
// once the adapted fields are brought to ours' types.
func TestTOMLPeersAgree(t *testing.T) {
	data := fullTOML(t)
	ours, err := decodeOurs(data)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := decodeBurntSushi(data)
	if err != nil {
		t.Fatal(err)
	}
	gt, err := decodeGoTOML(data)
	if err != nil {
		t.Fatal(err)
	}
	if ours.Server == nil || len(ours.Servers) != 2 || ours.Server.Timeout != 90*time.Second {
		t.Fatalf("ours decoded %+v, want the whole file", ours)
	}

	fromBS := convertDoc(bs, func(at time.Time) string { return at.Format("15:04:05.999999999") },
		func(d time.Duration) time.Duration { return d })
	fromGT := convertDoc(gt, gotoml.LocalTime.String, func(d textDuration) time.Duration { return time.Duration(d) })
	for name, got := range map[string]*oursDoc{"burntsushi": fromBS, "go-toml": fromGT} {
		if !equalDocs(got, ours) {
			t.Errorf("%s decoded\n%+v\nours\n%+v", name, got, ours)
		}
	}
}

// equalDocs compares two documents, times by instant.
func equalDocs(a, b *oursDoc) bool {
	if !a.Started.Equal(b.Started) || !a.Window.Open.Equal(b.Window.Open) || !a.Window.Day.Equal(b.Window.Day) {
		return false
	}
	ac, bc := *a, *b
	ac.Started, bc.Started = time.Time{}, time.Time{}
	ac.Window.Open, bc.Window.Open = time.Time{}, time.Time{}
	ac.Window.Day, bc.Window.Day = time.Time{}, time.Time{}
	return reflect.DeepEqual(ac, bc)
}

// convertDoc copies d into ours' types, converting the adapted fields.
func convertDoc[LT, D any](d *tomlDoc[LT, D], at func(LT) string, dur func(D) time.Duration) *oursDoc {
	o := &oursDoc{
		Name: d.Name, Version: d.Version, Debug: d.Debug, Ratio: d.Ratio, MaxItems: d.MaxItems,
		Tags: d.Tags, Started: d.Started, Banner: d.Banner, Pattern: d.Pattern,
	}
	o.Window.Open, o.Window.Day, o.Window.At = d.Window.Open, d.Window.Day, at(d.Window.At)
	if s := d.Server; s != nil {
		o.Server = new(struct {
			ListenAddr string `toml:"listen-addr"`
			Port       uint16
			Timeout    time.Duration
			Idle       time.Duration
			Limits     struct {
				RPS   float32 `toml:"rps"`
				Burst int
			}
			TLS     *struct{ Cert, Key string } `toml:"tls"`
			Headers map[string]string
		})
		o.Server.ListenAddr, o.Server.Port, o.Server.Limits, o.Server.TLS, o.Server.Headers =
			s.ListenAddr, s.Port, s.Limits, s.TLS, s.Headers
		o.Server.Timeout, o.Server.Idle = dur(s.Timeout), dur(s.Idle)
	}
	for _, s := range d.Servers {
		o.Servers = append(o.Servers, struct {
			Name    string
			Port    int
			Weights []int
			Backoff time.Duration
			Checks  []struct {
				Path     string
				Interval time.Duration
			}
		}{Name: s.Name, Port: s.Port, Weights: s.Weights, Backoff: dur(s.Backoff)})
		last := &o.Servers[len(o.Servers)-1]
		for _, c := range s.Checks {
			last.Checks = append(last.Checks, struct {
				Path     string
				Interval time.Duration
			}{c.Path, dur(c.Interval)})
		}
	}
	return o
}
