// Package transporttest checks transports and stands in for them in tests.
//
// # The conformance suite
//
// [Run] checks that a pair of transports keeps the contract every
// transport.Transport keeps: fields intact (checksum included), order,
// exactly-once delivery under concurrency, large payloads, ctx handling,
// Send(nil), and the behaviour after Close. Give it a function that
// returns a fresh pair, a sending end a and a receiving end b:
//
//	func TestConformance(t *testing.T) {
//		transporttest.Run(t, func(t *testing.T) (a, b transport.Transport) {
//			recv := transport.NewHTTP("")
//			srv := httptest.NewServer(recv.Handler())
//			t.Cleanup(srv.Close)
//			return transport.NewHTTP(srv.URL), recv
//		})
//	}
//
// The transport package runs it on all four of its carriers.
//
// # Test doubles
//
// [Mock] records what is sent, can fail every Send with a chosen error, and
// hands out preloaded messages:
//
//	m := transporttest.NewMock(reply)
//	m.SetSendError(errors.New(errors.CodeUnavailable, "down"))
//	err := svc.Run(ctx, m) // code under test
//	sent := m.Sent()
//
// [Fault] wraps a transport with delays and random failures, repeatable
// with a seed; [Record] wraps one and keeps copies of the traffic, and
// [Record.Replay] turns what it received into a Mock.
//
// # Concurrency
//
// Every type in the package is safe for concurrent use (Fault and Record
// as far as the transport they wrap is), and none starts a goroutine. Run
// starts sending goroutines and waits for them before each subtest ends.
package transporttest
