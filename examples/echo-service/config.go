package main

import (
	"slices"
	"strings"
	"time"

	"github.com/greynewell/mist-go/config"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/logging"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// Config is the whole configuration of the service: the TOML file, then the
// ECHO_* environment variables on top of it (ECHO_SERVER_ADDR overrides
// [server] addr, ECHO_MIST_REPLY_TO overrides [mist] reply-to, and so on).
// The validate tags are checked once both have been applied.
type Config struct {
	Server struct {
		Addr            string        `toml:"addr" validate:"required"`
		DrainTimeout    time.Duration `toml:"drain-timeout" validate:"min=100ms"`
		ShutdownTimeout time.Duration `toml:"shutdown-timeout" validate:"min=100ms"`
	} `toml:"server"`
	Mist struct {
		// Accept lists the message types POST /mist takes; any other
		// type is refused with 400.
		Accept    []string `toml:"accept" validate:"required"`
		InboxSize int      `toml:"inbox-size" validate:"min=1,max=100000"`
		Workers   int      `toml:"workers" validate:"min=1,max=1024"`
		// WorkDelay pretends to be the model's latency: each message
		// takes at least this long to handle.
		WorkDelay time.Duration `toml:"work-delay" validate:"min=0s,max=1m"`
		// ReplyTo is the transport URL every infer.response is sent to:
		// http://host:port/mist, or file:///path/replies.jsonl.
		ReplyTo string `toml:"reply-to" validate:"required"`
		// Journal is the JSON-lines file where every accepted message is
		// recorded before the sender gets its 202. Empty turns it off.
		Journal string `toml:"journal"`
	} `toml:"mist"`
	Trace struct {
		// File receives every finished span as a trace.span message.
		// Empty turns span export off.
		File string `toml:"file"`
	} `toml:"trace"`
	Log struct {
		Level  string `toml:"level" validate:"oneof=debug|info|warn|error"`
		Format string `toml:"format" validate:"oneof=json|text"`
	} `toml:"log"`
}

// served lists the message types this service knows how to handle.
var served = []string{protocol.TypeInferRequest, protocol.TypeEvalRun}

// defaultConfig is used for every key that neither the file nor the
// environment sets: config.Load leaves absent keys untouched.
func defaultConfig() Config {
	var c Config
	c.Server.Addr = "127.0.0.1:8080"
	c.Server.DrainTimeout = 10 * time.Second
	c.Server.ShutdownTimeout = 5 * time.Second
	c.Mist.Accept = slices.Clone(served)
	c.Mist.InboxSize = 256
	c.Mist.Workers = 4
	c.Mist.ReplyTo = "file://echo-replies.jsonl"
	c.Log.Level = "info"
	c.Log.Format = "json"
	return c
}

// loadConfig reads the file at path and the ECHO_* variables, and
// validates the result. Every error has code validation (not_found for a
// missing file), so main can turn it into an exit code.
func loadConfig(path string) (Config, error) {
	cfg := defaultConfig()
	// Strict makes a misspelt key an error instead of a silent no-op.
	if err := config.Load(path, "echo", &cfg, config.Strict()); err != nil {
		return cfg, err
	}
	if err := config.Validate(&cfg); err != nil {
		return cfg, err
	}
	for _, typ := range cfg.Mist.Accept {
		if !slices.Contains(served, typ) {
			return cfg, errors.Newf(errors.CodeValidation,
				"mist.accept: echo-service cannot serve %q (it serves %s)", typ, strings.Join(served, ", ")).
				WithMeta("field", "mist.accept")
		}
	}
	// Dial does no I/O: this only checks the URL, so that a typo is a
	// startup error rather than a failure at the first reply.
	sink, err := transport.Dial(cfg.Mist.ReplyTo)
	if err != nil {
		return cfg, errors.Wrap(errors.CodeValidation, err, "mist.reply-to").WithMeta("field", "mist.reply-to")
	}
	return cfg, sink.Close()
}

// level converts the validated log level name.
func (c Config) level() logging.Level {
	switch c.Log.Level {
	case "debug":
		return logging.LevelDebug
	case "warn":
		return logging.LevelWarn
	case "error":
		return logging.LevelError
	}
	return logging.LevelInfo
}
