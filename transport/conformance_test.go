package transport_test

import (
	"context"
	"testing"

	"github.com/greynewell/mist-go/transport"
	"github.com/greynewell/mist-go/transport/transporttest"
)

func TestConformanceChannel(t *testing.T) { transporttest.Run(t, channelPair) }
func TestConformanceFile(t *testing.T)    { transporttest.Run(t, filePair) }
func TestConformanceHTTP(t *testing.T)    { transporttest.Run(t, httpPair) }
func TestConformanceStdio(t *testing.T)   { transporttest.Run(t, stdioPair) }

// The wrappers keep the contract too.
func TestConformanceMiddleware(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) (transport.Transport, transport.Transport) {
		a, b := stdioPair(t)
		return transport.Wrap(a), transport.Wrap(b)
	})
}

func TestConformanceResilient(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) (transport.Transport, transport.Transport) {
		a, b := channelPair(t)
		return resilientOn(a), resilientOn(b)
	})
}

func resilientOn(c transport.Transport) *transport.Resilient {
	return transport.NewResilient(func(ctx context.Context) (transport.Transport, error) { return c, nil }, transport.ResilientConfig{})
}

func TestConformanceGoroutines(t *testing.T) {
	for name, pair := range carriers {
		t.Run(name, func(t *testing.T) {
			t.Run("suite", func(t *testing.T) { transporttest.Run(t, pair) })
			checkNoGoroutines(t)
		})
	}
}
