package logging_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/greynewell/mist-go/logging"
	"github.com/greynewell/mist-go/trace"
)

// BenchmarkInfo logs a line with 3 attributes and trace IDs to io.Discard.
func BenchmarkInfo(b *testing.B) {
	log := logging.New("matchspec", logging.LevelInfo, logging.WithWriter(io.Discard))
	ctx, _ := trace.Start(context.Background(), "bench")
	b.ReportAllocs()
	for b.Loop() {
		log.Info(ctx, "eval started", "suite", "swe-bench", "tasks", 300, "ok", true)
	}
}

func BenchmarkInfoNoSpan(b *testing.B) {
	log := logging.New("matchspec", logging.LevelInfo, logging.WithWriter(io.Discard))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		log.Info(ctx, "eval started", "suite", "swe-bench", "tasks", 300, "ok", true)
	}
}

func BenchmarkInfoRedactGroup(b *testing.B) {
	log := logging.New("matchspec", logging.LevelInfo, logging.WithWriter(io.Discard), logging.WithRedact("password"))
	sl := log.Slog().With("request_id", "r-1").WithGroup("req")
	ctx, _ := trace.Start(context.Background(), "bench")
	b.ReportAllocs()
	for b.Loop() {
		sl.InfoContext(ctx, "eval started", "suite", "swe-bench", "tasks", 300, "password", "hunter2")
	}
}

func BenchmarkDebugDisabled(b *testing.B) {
	log := logging.New("matchspec", logging.LevelInfo, logging.WithWriter(io.Discard))
	ctx, _ := trace.Start(context.Background(), "bench")
	b.ReportAllocs()
	for b.Loop() {
		log.Debug(ctx, "eval started", "suite", "swe-bench", "tasks", 300, "ok", true)
	}
}

// BenchmarkSlogBaseline is slog's JSON handler alone, for comparison.
func BenchmarkSlogBaseline(b *testing.B) {
	sl := slog.New(slog.NewJSONHandler(io.Discard, nil)).With("tool", "matchspec")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		sl.InfoContext(ctx, "eval started", "suite", "swe-bench", "tasks", 300, "ok", true)
	}
}
