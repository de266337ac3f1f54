package transporttest_test

import (
	"testing"

	"github.com/greynewell/mist-go/transport"
	"github.com/greynewell/mist-go/transport/transporttest"
)

func TestRunChannelPair(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) (transport.Transport, transport.Transport) {
		a, b := transport.NewChannelPair(4) // small: BlockingSend absorbs ErrFull
		return a, b
	})
}

// The wrappers keep the contract of the transport they wrap.
func TestRunWrapped(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) (transport.Transport, transport.Transport) {
		a, b := transport.NewChannelPair(64)
		return transporttest.NewFault(transporttest.NewRecord(a), transporttest.FaultConfig{}),
			transporttest.NewRecord(transporttest.NewFault(b, transporttest.FaultConfig{}))
	})
}
