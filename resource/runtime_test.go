package resource_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/greynewell/mist-go/resource"
)

var sink []byte

func TestHeapUsage(t *testing.T) {
	sink = make([]byte, 1<<20)
	if got := resource.HeapUsage(); got < int64(len(sink)) {
		t.Errorf("HeapUsage() = %d with a live 1 MiB allocation, want at least %d", got, len(sink))
	}
	runtime.KeepAlive(sink)
	sink = nil
}

func TestGoroutineCount(t *testing.T) {
	const extra = 10
	stop := make(chan struct{})
	var started, wg sync.WaitGroup
	started.Add(extra)
	for range extra {
		wg.Go(func() {
			started.Done()
			<-stop
		})
	}
	started.Wait()
	if got := resource.GoroutineCount(); got < extra+1 {
		t.Errorf("GoroutineCount() = %d with %d goroutines parked, want at least %d", got, extra, extra+1)
	}
	close(stop)
	wg.Wait()
}

func TestTakeSnapshot(t *testing.T) {
	s := resource.TakeSnapshot()
	if s.HeapBytes <= 0 {
		t.Errorf("HeapBytes = %d, want > 0", s.HeapBytes)
	}
	if s.Goroutines < 1 {
		t.Errorf("Goroutines = %d, want >= 1", s.Goroutines)
	}
	if got, want := s.NumCPU, runtime.NumCPU(); got != want {
		t.Errorf("NumCPU = %d, want %d", got, want)
	}
}
