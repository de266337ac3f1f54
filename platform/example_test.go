package platform_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"

	"github.com/greynewell/mist-go/platform"
)

func Example() {
	fmt.Println(platform.OS() == runtime.GOOS)
	fmt.Println(platform.Arch() == runtime.GOARCH)
	fmt.Println(platform.IsWindows() == (runtime.GOOS == "windows"))
	// Output:
	// true
	// true
	// true
}

func ExampleNormalizeLineEndings() {
	data := []byte("step 1\r\nstep 2\r\n")
	normalized := platform.NormalizeLineEndings(data)
	fmt.Printf("%q\n", normalized)
	// Output:
	// "step 1\nstep 2\n"
}

func ExampleToPlatformLineEndings() {
	data := []byte("a\nb\n")
	native := platform.ToPlatformLineEndings(data)
	want := "a\nb\n"
	if platform.IsWindows() {
		want = "a\r\nb\r\n"
	}
	fmt.Println(string(native) == want)

	// Normalising undoes the conversion on every OS.
	fmt.Printf("%q\n", platform.NormalizeLineEndings(native))

	// Each line ends with PlatformLineEnding.
	fmt.Println(bytes.HasSuffix(native, []byte(platform.PlatformLineEnding())))
	// Output:
	// true
	// "a\nb\n"
	// true
}

func ExampleShutdownSignals() {
	ctx, stop := signal.NotifyContext(context.Background(), platform.ShutdownSignals()...)
	defer stop()
	fmt.Println(ctx.Err())
	// Output:
	// <nil>
}

func ExampleTryLock() {
	dir, err := os.MkdirTemp("", "platform-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "runs", "run-42.lock")

	l, err := platform.TryLock(path)
	if err != nil {
		log.Fatal(err)
	}

	// A second holder, here in the same process, is turned away.
	_, err = platform.TryLock(path)
	fmt.Println(err)
	fmt.Println(errors.Is(err, platform.ErrLocked))

	if err := l.Unlock(); err != nil {
		log.Fatal(err)
	}
	again, err := platform.TryLock(path)
	fmt.Println(err)
	again.Unlock()
	// Output:
	// platform: lock is held
	// true
	// <nil>
}

func ExampleLock() {
	dir, err := os.MkdirTemp("", "platform-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "job.lock")

	held, err := platform.Lock(context.Background(), path)
	if err != nil {
		log.Fatal(err)
	}
	defer held.Unlock()

	// Give up waiting when the context ends.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = platform.Lock(ctx, path)
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// true
}

func ExampleLockFile() {
	f, err := os.CreateTemp("", "platform-example-*.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()

	unlock, err := platform.LockFile(context.Background(), f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(f, `{"step":"fetch"}`)
	fmt.Println(unlock())
	// Output:
	// <nil>
}
