package transport_test

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/greynewell/mist-go/metrics"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// benchMsg is a small eval.result message, about 250 bytes on the wire.
func benchMsg(b *testing.B) *protocol.Message {
	b.Helper()
	m := newMsg(b, 1)
	m.ComputeChecksum()
	return m
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkChannelSendReceive(b *testing.B) {
	c := transport.NewChannel(1)
	defer c.Close()
	msg, ctx := benchMsg(b), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Send(ctx, msg); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Receive(ctx); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func BenchmarkMiddlewareChannelWithMetrics(b *testing.B) {
	c := transport.Wrap(transport.NewChannel(1), transport.WithMetrics(metrics.NewRegistry()))
	defer c.Close()
	msg, ctx := benchMsg(b), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Send(ctx, msg); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Receive(ctx); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// benchHTTP starts a receiver on a loopback httptest server and a
// goroutine that drains it; the returned function stops both.
func benchHTTP(b *testing.B) (*transport.HTTP, func()) {
	recv := transport.NewHTTP("", transport.WithInboxSize(4096))
	srv := httptest.NewServer(recv.Handler())
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			if _, err := recv.Receive(context.Background()); err != nil {
				return
			}
		}
	}()
	send := transport.NewHTTP(srv.URL)
	return send, func() {
		send.Close()
		recv.Close()
		<-drained
		srv.Close()
	}
}

func BenchmarkHTTPSend(b *testing.B) {
	send, stop := benchHTTP(b)
	defer stop()
	msg, ctx := benchMsg(b), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := send.Send(ctx, msg); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func BenchmarkHTTPSendParallel(b *testing.B) {
	send, stop := benchHTTP(b)
	defer stop()
	msg := benchMsg(b)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := transport.BlockingSend(context.Background(), send, msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
}

func BenchmarkFileAppend(b *testing.B) {
	f, err := transport.NewFile(filepath.Join(b.TempDir(), "bench.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	msg, ctx := benchMsg(b), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Send(ctx, msg); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func BenchmarkFileAppendBatch100(b *testing.B) {
	f, err := transport.NewFile(filepath.Join(b.TempDir(), "bench.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	msg, ctx := benchMsg(b), context.Background()
	batch := make([]*protocol.Message, 100)
	for i := range batch {
		batch[i] = msg
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := f.SendBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkFileReceive(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	msg := benchMsg(b)
	l := line(b, msg)
	w, err := transport.NewFile(path)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]*protocol.Message, 1000)
	for i := range batch {
		batch[i] = msg
	}
	ctx := context.Background()
	if err := w.SendBatch(ctx, batch); err != nil {
		b.Fatal(err)
	}
	r, err := transport.NewFile(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	b.SetBytes(int64(len(l)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := r.Receive(ctx)
		if err == io.EOF {
			b.StopTimer()
			if err := w.SendBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			m, err = r.Receive(ctx)
		}
		if err != nil || m == nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func BenchmarkStdioPipe(b *testing.B) {
	pr, pw := io.Pipe()
	out := transport.NewStdioFrom(nil, pw)
	in := transport.NewStdioFrom(pr, nil)
	defer in.Close()
	defer out.Close()
	msg, ctx := benchMsg(b), context.Background()
	done := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			if err := out.Send(ctx, msg); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range b.N {
		if _, err := in.Receive(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	reportRate(b)
}
