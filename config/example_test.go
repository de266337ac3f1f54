package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
)

type Backend struct {
	Name string `validate:"required"`
	Port int    `validate:"min=1,max=65535"`
}

type Config struct {
	Server struct {
		Addr    string        `toml:"listen-addr" validate:"required"`
		Port    int           `validate:"min=1,max=65535"`
		Timeout time.Duration `validate:"min=1s"`
	}
	Servers []Backend `toml:"servers"`
}

func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "config-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.toml")
	_ = os.WriteFile(path, []byte(`
[server]
listen-addr = "127.0.0.1"
port = 8080
timeout = "1m30s"

[[servers]]
name = "alpha"
port = 9001
`), 0o600)

	// APP_SERVER_PORT overrides [server] port.
	os.Setenv("APP_SERVER_PORT", "9090")
	defer os.Unsetenv("APP_SERVER_PORT")

	var cfg Config
	if err := config.Load(path, "app", &cfg, config.Strict()); err != nil {
		fmt.Println(err)
		return
	}
	if err := config.Validate(&cfg); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Server.Addr, cfg.Server.Port, cfg.Server.Timeout)
	fmt.Println(cfg.Servers[0].Name, cfg.Servers[0].Port)
	// Output:
	// 127.0.0.1 9090 1m30s
	// alpha 9001
}

func ExampleParseTOML() {
	m, err := config.ParseTOML(strings.NewReader(`
count = 1_000
when = 1979-05-27
at = 07:32:00
[owner]
name = "Tom"
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%T %v\n", m["count"], m["count"])
	fmt.Printf("%T %v\n", m["when"], m["when"])
	fmt.Printf("%T %v\n", m["at"], m["at"])
	fmt.Println(m["owner"].(map[string]any)["name"])
	// Output:
	// int64 1000
	// time.Time 1979-05-27 00:00:00 +0000 UTC
	// string 07:32:00
	// Tom
}

func ExampleParseError() {
	_, err := config.ParseTOML(strings.NewReader("name = \"x\"\nport = = 1\n"))
	fmt.Println(err)

	var pe *config.ParseError
	if errors.As(err, &pe) {
		fmt.Println(pe.Line, pe.Column, errors.Code(err))
	}
	// Output:
	// validation: line 2, column 8: unexpected character U+003D '=' at start of value
	// 2 8 validation
}

func ExampleDecode() {
	m, _ := config.ParseTOML(strings.NewReader(`
[server]
port = "eighty"

[[servers]]
name = "a"
bogus = true
`))
	var cfg Config
	err := config.Decode(m, &cfg, config.Strict())
	fmt.Println(err)
	// Output:
	// validation: server.port: expected integer, got string
	// validation: unknown keys: servers[0].bogus
}

func ExampleValidate() {
	var cfg Config
	cfg.Server.Port = 70000
	cfg.Server.Timeout = 500 * time.Millisecond
	cfg.Servers = []Backend{{Name: "a", Port: 1}, {Port: 2}}

	err := config.Validate(&cfg)
	fmt.Println(err)

	var first *errors.Error
	if errors.As(err, &first) {
		fmt.Println(first.Meta["field"])
	}
	// Output:
	// validation: server.listen-addr is required
	// validation: server.port must be <= 65535 (got 70000)
	// validation: server.timeout must be >= 1s (got 500ms)
	// validation: servers[1].name is required
	// server.listen-addr
}
