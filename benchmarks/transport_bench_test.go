package benchmarks

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// Transports moving one message from a sender to a receiver: the same 1 KB
// infer.request the envelope benchmarks use (envelope, in
// envelope_test.go).
//
//   - Channel: Send on one end of transport.NewChannelPair and Receive on
//     the other, on one goroutine. The floor is a send to and a receive
//     from a bare buffered channel of *protocol.Message.
//   - HTTP: transport.NewHTTP(url).Send to a receiving transport.HTTP whose
//     Handler is served by an httptest.Server on loopback, then Receive
//     from it. Send encodes the message with its checksum, and the handler
//     decodes and verifies it before answering 202. The floor is bare
//     net/http on loopback: a client with the same keep-alive settings
//     POSTs the already encoded bytes, and a handler reads the body, queues
//     it on a channel and answers 202; the benchmark takes it from the
//     channel. The goal is a throughput ratio: floor ns/op over ours.

const transportBuffer = 256

func BenchmarkChannelTransport(b *testing.B) {
	msg, _ := envelope(b)
	ctx := context.Background()
	b.Run("mist", func(b *testing.B) {
		a, z := transport.NewChannelPair(transportBuffer)
		defer a.Close()
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Send(ctx, msg); err != nil {
				b.Fatal(err)
			}
			if _, err := z.Receive(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		ch := make(chan *protocol.Message, transportBuffer)
		b.ReportAllocs()
		for b.Loop() {
			ch <- msg
			<-ch
		}
	})
}

// httpPair returns a sender posting to a receiving transport.HTTP served
// on loopback, and a function that closes both and the server.
func httpPair() (send, recv *transport.HTTP, stop func()) {
	recv = transport.NewHTTP("")
	srv := httptest.NewServer(recv.Handler())
	send = transport.NewHTTP(srv.URL + "/mist")
	return send, recv, func() {
		send.Close()
		recv.Close()
		srv.Close()
	}
}

// bareHTTP returns the floor's client and target URL, the channel its
// handler queues bodies on, and a function that stops the server.
func bareHTTP() (*http.Client, string, chan []byte, func()) {
	inbox := make(chan []byte, transportBuffer)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		inbox <- body
		w.WriteHeader(http.StatusAccepted)
	}))
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.IdleConnTimeout = 10, 10, 30*time.Second
	client := &http.Client{Timeout: 10 * time.Second, Transport: t}
	return client, srv.URL + "/mist", inbox, func() {
		t.CloseIdleConnections()
		srv.Close()
	}
}

// barePost is one floor operation: POST data and drain the reply.
func barePost(client *http.Client, url string, data []byte) error {
	resp, err := client.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return &httpStatusError{resp.StatusCode}
	}
	return nil
}

type httpStatusError struct{ status int }

func (e *httpStatusError) Error() string { return http.StatusText(e.status) }

func BenchmarkHTTPTransport(b *testing.B) {
	msg, data := envelope(b)
	ctx := context.Background()
	b.Run("mist", func(b *testing.B) {
		send, recv, stop := httpPair()
		defer stop()
		b.ReportAllocs()
		for b.Loop() {
			if err := send.Send(ctx, msg); err != nil {
				b.Fatal(err)
			}
			if _, err := recv.Receive(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		client, url, inbox, stop := bareHTTP()
		defer stop()
		b.ReportAllocs()
		for b.Loop() {
			if err := barePost(client, url, data); err != nil {
				b.Fatal(err)
			}
			<-inbox
		}
	})
}

// TestTransportPeersAgree checks that each side delivers the message
// intact: the same envelope bytes come out as went in.
func TestTransportPeersAgree(t *testing.T) {
	msg, data := envelope(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	a, z := transport.NewChannelPair(transportBuffer)
	defer a.Close()
	if err := a.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	got, err := z.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if enc, _ := got.Marshal(); !bytes.Equal(enc, data) {
		t.Errorf("channel delivered %s, want %s", enc, data)
	}

	send, recv, stop := httpPair()
	defer stop()
	if err := send.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if got, err = recv.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if enc, _ := got.Marshal(); !bytes.Equal(enc, data) {
		t.Errorf("http delivered %s, want %s", enc, data)
	}

	client, url, inbox, stopBare := bareHTTP()
	defer stopBare()
	if err := barePost(client, url, data); err != nil {
		t.Fatal(err)
	}
	if body := <-inbox; !bytes.Equal(body, data) {
		t.Errorf("bare net/http delivered %s, want %s", body, data)
	}
}
