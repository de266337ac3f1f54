package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/logging"
	"github.com/greynewell/mist-go/metrics"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/trace"
	"github.com/greynewell/mist-go/transport"
)

// service holds what the POST /mist handler and the workers share. It is
// safe for concurrent use.
type service struct {
	cfg     Config
	log     *logging.Logger
	journal *transport.File // nil when the journal is off
	replies transport.Sender
	reg     *metrics.Registry

	// queued counts the messages accepted and not yet handled. It is a
	// lifecycle drain group, so a shutdown waits until the workers have
	// handled every message the service said 202 to.
	queued *sync.WaitGroup
	// depth is the same count as a gauge, for /readyz and /metrics.
	depth *metrics.Gauge

	// pending carries the trace of each request across the inbox: message
	// ID -> protocol.TraceSpan of the echo.receive span that queued it.
	pending sync.Map
}

// receive returns the POST /mist handler. It sits in front of the
// transport's receiver (inbox) and adds what the service promises on top of
// the transport's own answers (400, 405, 413, 503 with Retry-After, 202):
//
//   - a message of a type the service does not accept, or whose payload is
//     not a usable request, is refused with 400 and a coded error;
//   - a queued message is appended to the journal before the sender gets
//     its 202. A sender that sees the 202 can forget the message: even if
//     the service is killed a moment later, the message is on disk. A
//     sender that does not see it sends again, so a message may arrive
//     twice (at-least-once delivery); both copies have the same ID.
func (s *service) receive(inbox http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Continue the sender's trace when it sent a traceparent header:
		// the log lines below and the echo.handle span join that trace.
		ctx, span := trace.ExtractHTTP(r.Context(), r.Header, "echo.receive")
		status, err := s.accept(ctx, w, r, inbox)
		span.SetAttr("status", status)
		if status == http.StatusAccepted {
			span.End("ok")
			return
		}
		span.End("error")
		s.reg.Counter("echo_rejected_total", "status", strconv.Itoa(status)).Inc()
		args := []any{"status", status}
		if err != nil { // nil when the receiver answered on its own
			args = append(args, "code", errors.Code(err), "error", err)
		}
		if status == http.StatusServiceUnavailable {
			s.log.Debug(ctx, "message refused", args...) // flow control: the sender retries
		} else {
			s.log.Warn(ctx, "message refused", args...)
		}
	})
}

// accept serves one POST /mist. It returns the status it answered and,
// when the service itself refused the message, the reason.
func (s *service) accept(ctx context.Context, w http.ResponseWriter, r *http.Request, inbox http.Handler) (int, error) {
	ack := &ackWriter{ResponseWriter: w}
	if r.Method != http.MethodPost || r.ContentLength > protocol.MaxMessageSize {
		inbox.ServeHTTP(ack, r) // the receiver answers 405 or 413
		return ack.status, nil
	}
	// Read one byte more than a message may hold: enough to tell that a
	// body without a Content-Length is too large.
	body, err := io.ReadAll(io.LimitReader(r.Body, protocol.MaxMessageSize+1))
	if err != nil {
		return reject(w, errors.Wrap(errors.CodeValidation, err, "read request body"))
	}
	r.Body = io.NopCloser(bytes.NewReader(body)) // the receiver reads it again

	msg, err := protocol.Unmarshal(body)
	if err != nil {
		// Not a valid envelope (bad JSON, missing field, wrong version or
		// checksum, too large): the receiver answers 400 or 413.
		inbox.ServeHTTP(ack, r)
		return ack.status, nil
	}
	if err := s.check(msg); err != nil {
		return reject(w, err)
	}

	// Count the message before the receiver queues it: a worker may take
	// it at once.
	s.queued.Add(1)
	s.depth.Inc()
	s.pending.Store(msg.ID, trace.FromContext(ctx).ToProto())
	inbox.ServeHTTP(ack, r)
	if ack.status != http.StatusAccepted {
		// Not queued. When the inbox is full the receiver has answered
		// 503 with Retry-After: 1, and the sender tries again later.
		s.pending.Delete(msg.ID)
		s.depth.Dec()
		s.queued.Done()
		return ack.status, nil
	}
	if s.journal != nil {
		// The message is queued already: write it down even if the sender
		// hangs up meanwhile.
		if err := s.journal.Send(context.WithoutCancel(ctx), msg); err != nil {
			// Queued but not on disk: ask the sender to send it again. The
			// message will be handled twice, with the same ID both times.
			return reject(w, errors.Wrap(errors.CodeUnavailable, err, "journal the message"))
		}
	}
	s.log.Debug(ctx, "accepted", "msg_id", msg.ID, "type", msg.Type, "source", msg.Source)
	w.WriteHeader(http.StatusAccepted)
	return http.StatusAccepted, nil
}

// check refuses messages the service cannot use. Its errors have code
// validation, hence status 400.
func (s *service) check(msg *protocol.Message) error {
	if !slices.Contains(s.cfg.Mist.Accept, msg.Type) {
		// The type comes from the sender: cap its length before echoing it.
		typ := msg.Type
		if len(typ) > 64 {
			typ = typ[:64]
		}
		return errors.Newf(errors.CodeValidation, "echo-service does not accept %q messages (it accepts %s)",
			typ, strings.Join(s.cfg.Mist.Accept, ", ")).WithMeta("type", typ)
	}
	switch msg.Type {
	case protocol.TypeInferRequest:
		req, err := protocol.DecodeAs[protocol.InferRequest](msg)
		if err != nil {
			return errors.Wrap(errors.CodeValidation, err, "infer.request payload")
		}
		if len(req.Messages) == 0 {
			return errors.New(errors.CodeValidation, "infer.request has no chat messages to echo")
		}
	case protocol.TypeEvalRun:
		run, err := protocol.DecodeAs[protocol.EvalRun](msg)
		if err != nil {
			return errors.Wrap(errors.CodeValidation, err, "eval.run payload")
		}
		if run.Suite == "" {
			return errors.New(errors.CodeValidation, "eval.run has no suite")
		}
	}
	return nil
}

// reject answers with err as JSON, the way the transport's receiver does:
// the status follows the code (validation 400, unavailable 503).
func reject(w http.ResponseWriter, err error) (int, error) {
	status := errors.HTTPStatus(errors.Code(err))
	var coded *errors.Error
	errors.As(err, &coded) // every error given to reject is an *errors.Error
	body, _ := json.Marshal(coded)
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	w.Write(body)
	return status, err
}

// ackWriter holds back the receiver's 202, so that accept can journal the
// message before the sender sees it. Any other status goes out at once.
type ackWriter struct {
	http.ResponseWriter
	status int
}

func (w *ackWriter) WriteHeader(status int) {
	w.status = status
	if status != http.StatusAccepted {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *ackWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// work takes messages from the receiver's inbox until ctx is cancelled.
func (s *service) work(ctx context.Context, rx transport.Receiver) {
	for {
		msg, err := rx.Receive(ctx)
		if err != nil {
			return // ctx cancelled by the "workers" hook, or the receiver closed
		}
		s.handle(ctx, msg)
		s.depth.Dec()
		s.queued.Done()
	}
}

// handle runs one message under a span, and logs and counts the outcome.
func (s *service) handle(ctx context.Context, msg *protocol.Message) {
	var span *trace.Span
	if ts, ok := s.pending.LoadAndDelete(msg.ID); ok {
		ctx, span = trace.ContinueFrom(ctx, ts.(protocol.TraceSpan), "echo.handle")
	} else {
		ctx, span = trace.Start(ctx, "echo.handle")
	}
	span.SetAttr("msg_id", msg.ID)
	span.SetAttr("msg_type", msg.Type)

	start := time.Now()
	err := s.dispatch(ctx, msg)
	ms := float64(time.Since(start).Microseconds()) / 1000
	s.reg.Histogram("echo_handle_ms", nil, "type", msg.Type).Observe(ms)

	result := "ok"
	if err != nil {
		result = "error"
		span.SetAttr("error", err.Error())
		// The log line carries trace_id and span_id: ctx holds the span.
		s.log.Error(ctx, "handle failed", "msg_id", msg.ID, "type", msg.Type, "code", errors.Code(err), "error", err)
	} else {
		s.log.Debug(ctx, "handled", "msg_id", msg.ID, "type", msg.Type, "duration_ms", ms)
	}
	s.reg.Counter("echo_messages_total", "type", msg.Type, "result", result).Inc()
	span.End(result)
}

// dispatch does the work of one message. Only accepted types get here.
func (s *service) dispatch(ctx context.Context, msg *protocol.Message) error {
	start := time.Now()
	if err := s.think(ctx); err != nil {
		return err
	}
	switch msg.Type {
	case protocol.TypeInferRequest:
		req, err := protocol.DecodeAs[protocol.InferRequest](msg)
		if err != nil {
			return err
		}
		reply, err := protocol.New(source, protocol.TypeInferResponse, echo(req, time.Since(start)))
		if err != nil {
			return err
		}
		return s.replies.Send(ctx, reply)
	case protocol.TypeEvalRun:
		run, err := protocol.DecodeAs[protocol.EvalRun](msg)
		if err != nil {
			return err
		}
		// An eval run is only recorded: it is in the journal already.
		s.log.Debug(ctx, "eval run recorded", "msg_id", msg.ID, "suite", run.Suite, "tasks", len(run.Tasks))
		return nil
	}
	return errors.Newf(errors.CodeValidation, "no handler for %q messages", msg.Type) // not reached: check accepts served types only
}

// think stands in for the model: it takes cfg.Mist.WorkDelay.
func (s *service) think(ctx context.Context) error {
	if s.cfg.Mist.WorkDelay <= 0 {
		return nil
	}
	t := time.NewTimer(s.cfg.Mist.WorkDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// echo answers req with the content of its last chat message. Tokens are
// counted as words, which is all an echo model needs.
func echo(req protocol.InferRequest, latency time.Duration) protocol.InferResponse {
	model := req.Model
	if model == "" || model == "auto" {
		model = "echo-1"
	}
	var in int
	for _, m := range req.Messages {
		in += len(strings.Fields(m.Content))
	}
	last := req.Messages[len(req.Messages)-1].Content
	return protocol.InferResponse{
		Model:        model,
		Provider:     "echo",
		Content:      last,
		TokensIn:     int64(in),
		TokensOut:    int64(len(strings.Fields(last))),
		LatencyMS:    latency.Milliseconds(),
		FinishReason: "stop",
	}
}

// checkInbox is the readiness check: not ready while the inbox is full.
func (s *service) checkInbox(context.Context) error {
	if n := int(s.depth.Value()); n >= s.cfg.Mist.InboxSize {
		return errors.Newf(errors.CodeUnavailable, "inbox full: %d messages queued", n)
	}
	return nil
}
