//go:build unix

package lifecycle_test

import (
	"context"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"testing"

	"github.com/greynewell/mist-go/lifecycle"
)

// These tests send real signals to the test process. Run subscribes before it
// starts fn (see its doc), so a signal sent after fn has reported that it is
// running is always caught by Run rather than by the default action. None of
// these tests runs in parallel with another test.

// kill sends sig to the test process.
func kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Errorf("kill(%v): %v", sig, err)
	}
}

func TestRunStopsOnSignal(t *testing.T) {
	started := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		<-started
		kill(t, syscall.SIGUSR1)
	}()
	var ran []string
	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
		lifecycle.OnShutdown(ctx, "a", func(context.Context) error { ran = append(ran, "a"); return nil })
		lifecycle.OnShutdown(ctx, "b", func(context.Context) error { ran = append(ran, "b"); return nil })
		close(started)
		<-ctx.Done()
		return ctx.Err() // context.Canceled after a signal counts as clean
	}, lifecycle.WithSignals(syscall.SIGUSR1))
	<-sent
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if want := []string{"b", "a"}; !slices.Equal(ran, want) {
		t.Errorf("hooks ran %q, want %q", ran, want)
	}
}

// Fixed on purpose: with no WithSignals option, Run stops on SIGTERM and
// SIGINT, platform.ShutdownSignals() on Unix.
func TestRunStopsOnDefaultSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			started := make(chan struct{})
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				<-started
				kill(t, sig)
			}()
			hookRan := false
			err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
				lifecycle.OnShutdown(ctx, "h", func(context.Context) error { hookRan = true; return nil })
				close(started)
				<-ctx.Done()
				return ctx.Err()
			})
			<-sent
			if err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			if !hookRan {
				t.Errorf("hook did not run after %v", sig)
			}
		})
	}
}

func TestSecondSignalDuringShutdownIsIgnored(t *testing.T) {
	// The test's own subscription keeps the process alive whatever Run does,
	// and tells the hook when the second signal has been delivered.
	own := make(chan os.Signal, 2)
	signal.Notify(own, syscall.SIGUSR1)
	defer signal.Stop(own)

	started := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		<-started
		kill(t, syscall.SIGUSR1)
	}()
	var ran []string
	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
		lifecycle.OnShutdown(ctx, "older", func(context.Context) error { ran = append(ran, "older"); return nil })
		lifecycle.OnShutdown(ctx, "resignal", func(ctx context.Context) error {
			ran = append(ran, "resignal")
			<-own // the first signal
			kill(t, syscall.SIGUSR1)
			select {
			case <-own: // the second signal has been delivered
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}, lifecycle.WithSignals(syscall.SIGUSR1))
	<-sent
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if want := []string{"resignal", "older"}; !slices.Equal(ran, want) {
		t.Errorf("hooks ran %q, want %q", ran, want)
	}
}
