package config_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
)

type vServer struct {
	Host    string        `validate:"required"`
	Port    int           `validate:"min=1,max=65535"`
	Mode    string        `validate:"oneof=dev|prod"`
	Timeout time.Duration `validate:"min=1s,max=1m"`
}

type vConfig struct {
	Name    string `toml:"tool-name" validate:"required,min=3"`
	Server  vServer
	Backup  *vServer
	Servers []vServer `toml:"servers"`
	Ptrs    []*vServer
	Fixed   [1]vServer
	ByName  map[string]vServer // maps are not descended
	Tags    []string           `validate:"required,max=2"`
	Level   uint               `validate:"oneof=1|2"`
	Ratio   float64            `validate:"min=0.5,max=1"`
	hidden  string             `validate:"required"` // unexported: not checked
}

func validConfig() vConfig {
	s := vServer{Host: "h", Port: 80, Mode: "dev", Timeout: time.Second}
	return vConfig{
		Name: "tool", Server: s, Servers: []vServer{s}, Ptrs: []*vServer{&s, nil},
		Fixed: [1]vServer{s}, ByName: map[string]vServer{"bad": {}},
		Tags: []string{"a"}, Level: 1, Ratio: 0.75,
	}
}

// failures lists (field, message) of each failure in err.
func failures(t *testing.T, err error) [][2]string {
	t.Helper()
	var out [][2]string
	for _, e := range joined(err) {
		var ce *errors.Error
		if !errors.As(e, &ce) || ce.Code != errors.CodeValidation {
			t.Fatalf("failure %v is not an *errors.Error with code validation", e)
		}
		out = append(out, [2]string{ce.Meta["field"], ce.Message})
	}
	return out
}

func TestValidateValid(t *testing.T) {
	cfg := validConfig()
	if err := config.Validate(&cfg); err != nil {
		t.Errorf("Validate(&valid) = %v, want nil", err)
	}
	if err := config.Validate(cfg); err != nil {
		t.Errorf("Validate(valid value) = %v, want nil", err)
	}
}

// Fixed on purpose: a failing rule in a nested struct is reported as
// server.port.
func TestValidateNestedPath(t *testing.T) {
	cfg := validConfig()
	cfg.Server.Port = 0
	got := failures(t, config.Validate(&cfg))
	want := [][2]string{{"server.port", "server.port must be >= 1 (got 0)"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*vConfig)
		want   [][2]string
	}{
		{"required string", func(c *vConfig) { c.Name = "" },
			[][2]string{{"tool-name", "tool-name is required"}}},
		{"min runes", func(c *vConfig) { c.Name = "äö" },
			[][2]string{{"tool-name", "tool-name must be >= 3 (got 2)"}}},
		{"max int", func(c *vConfig) { c.Server.Port = 70000 },
			[][2]string{{"server.port", "server.port must be <= 65535 (got 70000)"}}},
		{"oneof string", func(c *vConfig) { c.Server.Mode = "test" },
			[][2]string{{"server.mode", `server.mode must be one of [dev, prod] (got "test")`}}},
		{"oneof uint", func(c *vConfig) { c.Level = 3 },
			[][2]string{{"level", "level must be one of [1, 2] (got 3)"}}},
		{"duration min", func(c *vConfig) { c.Server.Timeout = 500 * time.Millisecond },
			[][2]string{{"server.timeout", "server.timeout must be >= 1s (got 500ms)"}}},
		{"duration max", func(c *vConfig) { c.Server.Timeout = time.Hour },
			[][2]string{{"server.timeout", "server.timeout must be <= 1m (got 1h0m0s)"}}},
		{"float min", func(c *vConfig) { c.Ratio = 0.25 },
			[][2]string{{"ratio", "ratio must be >= 0.5 (got 0.25)"}}},
		{"float NaN", func(c *vConfig) { c.Ratio = math.NaN() },
			[][2]string{{"ratio", "ratio must be >= 0.5 (got NaN)"}, {"ratio", "ratio must be <= 1 (got NaN)"}}},
		{"required empty slice", func(c *vConfig) { c.Tags = []string{} },
			[][2]string{{"tags", "tags is required"}}},
		{"max slice length", func(c *vConfig) { c.Tags = []string{"a", "b", "c"} },
			[][2]string{{"tags", "tags must be <= 2 (got 3)"}}},
		{"slice element", func(c *vConfig) { c.Servers = append(c.Servers, vServer{Port: 1, Mode: "dev", Timeout: time.Second}) },
			[][2]string{{"servers[1].host", "servers[1].host is required"}}},
		{"pointer element", func(c *vConfig) { c.Ptrs[0] = &vServer{Host: "h", Port: 1, Mode: "x", Timeout: time.Second} },
			[][2]string{{"ptrs[0].mode", `ptrs[0].mode must be one of [dev, prod] (got "x")`}}},
		{"array element", func(c *vConfig) { c.Fixed[0].Host = "" },
			[][2]string{{"fixed[0].host", "fixed[0].host is required"}}},
		{"non-nil pointer field", func(c *vConfig) { c.Backup = &vServer{Host: "h", Port: -1, Mode: "dev", Timeout: time.Second} },
			[][2]string{{"backup.port", "backup.port must be >= 1 (got -1)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.mutate(&cfg)
			got := failures(t, config.Validate(&cfg))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateCollectsInFieldOrder(t *testing.T) {
	cfg := validConfig()
	cfg.Name = ""
	cfg.Server = vServer{Mode: "dev", Timeout: time.Second}
	cfg.Level = 9
	got := failures(t, config.Validate(&cfg))
	want := [][2]string{
		{"tool-name", "tool-name is required"},
		{"server.host", "server.host is required"},
		{"server.port", "server.port must be >= 1 (got 0)"},
		{"level", "level must be one of [1, 2] (got 9)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateBadRules(t *testing.T) {
	var v struct {
		A bool              `validate:"min=1"`
		B int               `validate:"frobnicate"`
		C int               `validate:"max=ten"`
		D string            `validate:"min=-1"`
		E float64           `validate:"oneof=1|2"`
		F int               `validate:"oneof=1|x"`
		G *int              `validate:"min=1"`
		H time.Duration     `validate:"max=forever"`
		I map[string]string `validate:"min=1"`
		J *int              `validate:"required"`
		K string            `toml:"-" validate:"required"`
	}
	got := failures(t, config.Validate(&v))
	want := [][2]string{
		{"a", "a: rule min does not apply to bool"},
		{"b", `b: unknown validation rule "frobnicate"`},
		{"c", `c: invalid max bound "ten" for int`},
		{"d", `d: invalid min bound "-1" for string`},
		{"e", "e: rule oneof does not apply to float64"},
		{"f", `f: invalid oneof option "x" for int`},
		{"g", "g: rule min does not apply to *int"},
		{"h", `h: invalid max bound "forever" for time.Duration`},
		{"i", "i must be >= 1 (got 0)"},
		{"j", "j is required"},
		{"k", "k is required"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
}

func TestValidatePointerCycle(t *testing.T) {
	type node struct {
		Name string `validate:"required"`
		Next *node
	}
	n := &node{}
	n.Next = n
	got := failures(t, config.Validate(n))
	want := [][2]string{{"name", "name is required"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
}
