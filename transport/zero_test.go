package transport_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/transport"
)

// The zero value of every transport fails with code validation instead of
// panicking, and its Close returns nil.
func TestZeroValues(t *testing.T) {
	for name, tr := range map[string]transport.Transport{
		"Channel":    &transport.Channel{},
		"File":       &transport.File{},
		"Stdio":      &transport.Stdio{},
		"HTTP":       &transport.HTTP{},
		"Middleware": &transport.Middleware{},
		"Resilient":  &transport.Resilient{},
	} {
		ctx := context.Background()
		if err := tr.Send(ctx, newMsg(t, 1)); errors.Code(err) != errors.CodeValidation {
			t.Errorf("zero %s: Send = %v, want code validation", name, err)
		}
		if m, err := tr.Receive(ctx); m != nil || errors.Code(err) != errors.CodeValidation {
			t.Errorf("zero %s: Receive = (%v, %v), want code validation", name, m, err)
		}
		if err := tr.Close(); err != nil {
			t.Errorf("zero %s: Close = %v, want nil", name, err)
		}
	}
	var f transport.File
	if err := f.SendBatch(context.Background(), nil); errors.Code(err) != errors.CodeValidation {
		t.Errorf("zero File: SendBatch = %v, want code validation", err)
	}
	var h transport.HTTP
	if err := h.Listen(context.Background(), "127.0.0.1:0"); errors.Code(err) != errors.CodeValidation {
		t.Errorf("zero HTTP: Listen = %v, want code validation", err)
	}
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mist", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("zero HTTP: Handler answered %d, want 503", rec.Code)
	}
}
