package config_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
)

var fullPath = filepath.Join("testdata", "full.toml")

// Fixed on purpose: env overrides use TOML key names and reach nested
// fields, including *struct fields allocated on demand.
func TestLoadEnvOverlayFullFile(t *testing.T) {
	env := map[string]string{
		"APP_NAME":                   "from-env",
		"APP_VERSION":                "4",
		"APP_DEBUG":                  "true",
		"APP_RATIO":                  "0.5",
		"APP_MAX_ITEMS":              "2000", // key max-items
		"APP_TAGS":                   " a, b ,c",
		"APP_STARTED":                "2030-01-02T03:04:05Z",
		"APP_WINDOW_AT":              "08:00:00",
		"APP_SERVER_LISTEN_ADDR":     "0.0.0.0", // [server] listen-addr
		"APP_SERVER_PORT":            "9090",
		"APP_SERVER_TIMEOUT":         "2s",
		"APP_SERVER_IDLE":            "5000", // integer nanoseconds
		"APP_SERVER_LIMITS_RPS":      "1.5",  // inline table
		"APP_SERVER_TLS_CERT":        "/env/cert.pem",
		"APP_EXTRA_DEEP_LEVEL":       "7", // two nil *struct levels
		"APP_SERVERS_NAME":           "not reached: slice of structs",
		"APP_SERVER_HEADERS_X_TOOL":  "not reached: map",
		"OTHER_NAME":                 "other prefix",
		"APP_SERVER_TLS_CERT_EXTRA_": "no such field",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	var got fullConfig
	if err := config.Load(fullPath, "app", &got); err != nil {
		t.Fatalf("Load with env: %v", err)
	}
	want := wantFull()
	want.Name = "from-env"
	want.Version = 4
	want.Debug = true
	want.Ratio = 0.5
	want.MaxItems = 2000
	want.Tags = []string{"a", "b", "c"}
	want.Started = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	want.Window.At = "08:00:00"
	want.Server.ListenAddr = "0.0.0.0"
	want.Server.Port = 9090
	want.Server.Timeout = 2 * time.Second
	want.Server.Idle = 5000
	want.Server.Limits.RPS = 1.5
	want.Server.TLS.Cert = "/env/cert.pem"
	want.Extra = &extra{Deep: &extra{Level: 7}}
	if diff := cmp.Diff(want, got, allowPrivate); diff != "" {
		t.Errorf("Load with env mismatch (-want +got):\n%s", diff)
	}
}

func TestEnvAllocatesPointerOnlyWhenSet(t *testing.T) {
	t.Setenv("APP_NAME", "x")
	var got fullConfig
	if err := config.Load(fullPath, "app", &got); err != nil {
		t.Fatal(err)
	}
	if got.Extra != nil {
		t.Errorf("Extra = %+v, want nil when no APP_EXTRA_* variable is set", got.Extra)
	}
}

func TestEnvEmptyValueIsSet(t *testing.T) {
	t.Setenv("APP_NAME", "")
	t.Setenv("APP_TAGS", "")
	var got fullConfig
	if err := config.Load(fullPath, "app", &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "" || got.Tags == nil || len(got.Tags) != 0 {
		t.Errorf("Name %q Tags %#v, want empty string and empty non-nil slice", got.Name, got.Tags)
	}
}

func TestEnvPrefixEmptyDisablesOverlay(t *testing.T) {
	t.Setenv("_NAME", "x")
	t.Setenv("NAME", "x")
	var got fullConfig
	if err := config.Load(fullPath, "", &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "matchspec" {
		t.Errorf("Name = %q, want the file's value with no prefix", got.Name)
	}
}

// Fixed on purpose: APP_PORT=abc on an int field is an error naming
// APP_PORT, not silently ignored.
func TestEnvBadValues(t *testing.T) {
	type target struct {
		Port    int
		Small   uint8
		On      bool
		Rate    float32
		Wait    time.Duration
		At      time.Time
		List    []int
		Nested  struct{ Deep *struct{ N int } }
		Invalid any
	}
	tests := []struct {
		env, value, field string
	}{
		{"APP_PORT", "abc", "port"},
		{"APP_PORT", "1.5", "port"},
		{"APP_SMALL", "256", "small"},
		{"APP_SMALL", "-1", "small"},
		{"APP_ON", "maybe", "on"},
		{"APP_RATE", "fast", "rate"},
		{"APP_RATE", "1e39", "rate"},
		{"APP_WAIT", "soon", "wait"},
		{"APP_AT", "yesterday", "at"},
		{"APP_LIST", "1, two", "list"},
		{"APP_NESTED_DEEP_N", "x", "nested.deep.n"},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "empty.toml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			t.Setenv(tt.env, tt.value)
			t.Setenv("APP_INVALID", "ignored: unsupported kind")
			var got target
			err := config.Load(path, "app", &got)
			var e *errors.Error
			if !errors.As(err, &e) {
				t.Fatalf("Load = %v, want an *errors.Error", err)
			}
			if e.Code != errors.CodeValidation || e.Meta["env"] != tt.env || e.Meta["field"] != tt.field {
				t.Errorf("error %v has code %q env %q field %q, want validation, %s, %s",
					err, e.Code, e.Meta["env"], e.Meta["field"], tt.env, tt.field)
			}
			wantPrefix := tt.env + ": " + tt.field + ": cannot parse "
			if len(e.Message) < len(wantPrefix) || e.Message[:len(wantPrefix)] != wantPrefix {
				t.Errorf("message %q, want prefix %q", e.Message, wantPrefix)
			}
			if e.Cause == nil {
				t.Errorf("error %v has no cause", err)
			}
		})
	}
}

func TestEnvReportsEveryVariable(t *testing.T) {
	t.Setenv("APP_VERSION", "x")
	t.Setenv("APP_SERVER_PORT", "y")
	var got fullConfig
	err := config.Load(fullPath, "app", &got)
	var vars []string
	for _, e := range joined(err) {
		var ce *errors.Error
		if errors.As(e, &ce) {
			vars = append(vars, ce.Meta["env"])
		}
	}
	if diff := cmp.Diff([]string{"APP_VERSION", "APP_SERVER_PORT"}, vars); diff != "" {
		t.Errorf("env errors mismatch (-want +got):\n%s\n%v", diff, err)
	}
}

func TestEnvPointerCycle(t *testing.T) {
	t.Setenv("APP_LEVEL", "1")
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(path, []byte("level = 0"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &extra{}
	e.Deep = e // a cycle must not hang the overlay
	if err := config.Load(path, "app", e); err != nil {
		t.Fatal(err)
	}
	if e.Level != 1 {
		t.Errorf("Level = %d, want 1", e.Level)
	}
}
