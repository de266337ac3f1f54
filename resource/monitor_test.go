package resource_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/greynewell/mist-go/resource"
)

// Fixed on purpose: a limiter and a budget both named db both show up in
// Status.
func TestMonitorSameNameLimiterAndBudget(t *testing.T) {
	m := resource.NewMonitor()
	l := resource.NewLimiter("db", 10)
	b := resource.NewMemoryBudget("db", 4096)
	m.Track(l)
	m.TrackBudget(b)
	l.TryAcquire()
	l.TryAcquire()
	l.Release()
	b.Reserve(1024)

	got := m.Status()
	want := resource.MonitorStatus{
		Limiters: map[string]resource.ResourceStatus{"db": {Active: 1, Max: 10, Total: 2}},
		Budgets:  map[string]resource.ResourceStatus{"db": {Active: 1024, Max: 4096}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Status() mismatch (-want +got):\n%s", diff)
	}
}

func TestMonitorTrackReplaces(t *testing.T) {
	m := resource.NewMonitor()
	m.Track(resource.NewLimiter("db", 1))
	m.Track(resource.NewLimiter("db", 5))
	m.TrackBudget(resource.NewMemoryBudget("cache", 1))
	m.TrackBudget(resource.NewMemoryBudget("cache", 7))
	m.Track(nil)
	m.TrackBudget(nil)

	got := m.Status()
	want := resource.MonitorStatus{
		Limiters: map[string]resource.ResourceStatus{"db": {Max: 5}},
		Budgets:  map[string]resource.ResourceStatus{"cache": {Max: 7}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Status() mismatch (-want +got):\n%s", diff)
	}
}

func TestMonitorStatusJSON(t *testing.T) {
	tests := []struct {
		name  string
		setup func(m *resource.Monitor)
		want  string
	}{
		{"empty", func(*resource.Monitor) {}, `{"limiters":{},"budgets":{}}`},
		{"limiter without acquisitions", func(m *resource.Monitor) {
			m.Track(resource.NewLimiter("infer", 3))
		}, `{"limiters":{"infer":{"active":0,"max":3}},"budgets":{}}`},
		{"both", func(m *resource.Monitor) {
			l := resource.NewLimiter("infer", 3)
			l.TryAcquire()
			m.Track(l)
			b := resource.NewMemoryBudget("results", 512)
			b.Reserve(12)
			m.TrackBudget(b)
		}, `{"limiters":{"infer":{"active":1,"max":3,"total":1}},"budgets":{"results":{"active":12,"max":512}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := resource.NewMonitor()
			tt.setup(m)
			b, err := json.Marshal(m.Status())
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != tt.want {
				t.Errorf("json.Marshal(Status()) = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestZeroMonitor(t *testing.T) {
	var m resource.Monitor
	st := m.Status()
	if st.Limiters == nil || st.Budgets == nil {
		t.Errorf("zero Monitor Status() = %#v, want non-nil maps", st)
	}
	m.Track(resource.NewLimiter("a", 1))
	if got := len(m.Status().Limiters); got != 1 {
		t.Errorf("len(Limiters) = %d, want 1", got)
	}
}

func TestMonitorStatusIsACopy(t *testing.T) {
	m := resource.NewMonitor()
	m.Track(resource.NewLimiter("a", 1))
	st := m.Status()
	delete(st.Limiters, "a")
	st.Budgets["x"] = resource.ResourceStatus{}
	if got := m.Status(); len(got.Limiters) != 1 || len(got.Budgets) != 0 {
		t.Errorf("Status() after modifying an earlier result = %+v", got)
	}
}

func TestMonitorConcurrent(t *testing.T) {
	m := resource.NewMonitor()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			l := resource.NewLimiter(string(rune('a'+i)), 2)
			b := resource.NewMemoryBudget(string(rune('a'+i)), 10)
			m.Track(l)
			m.TrackBudget(b)
			for range 50 {
				if l.TryAcquire() {
					l.Release()
				}
				_ = m.Status()
			}
		})
	}
	wg.Wait()
	st := m.Status()
	if len(st.Limiters) != 8 || len(st.Budgets) != 8 {
		t.Errorf("Status() has %d limiters and %d budgets, want 8 and 8", len(st.Limiters), len(st.Budgets))
	}
}
