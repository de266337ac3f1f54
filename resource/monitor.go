package resource

import "sync"

// ResourceStatus is the state of one limiter or budget in a [MonitorStatus].
// For a limiter, Active is the slots held, Max the limit and Total the
// acquisitions so far. For a budget, Active is the bytes reserved, Max the
// limit, and Total is always 0, so it is left out of the JSON.
//
// A ResourceStatus is a plain value, a copy taken by [Monitor.Status] that no
// longer changes, so it is safe to read from several goroutines at once;
// like any value, it needs the caller's own locking if one of them modifies
// it. Its zero value reports nothing held, a Max of 0 and no acquisitions.
type ResourceStatus struct {
	Active int64 `json:"active"`
	Max    int64 `json:"max"`
	Total  int64 `json:"total,omitempty"`
}

// MonitorStatus is what [Monitor.Status] reports. Limiters and Budgets are
// keyed by name and are never nil, so both encode as {} when empty.
//
// A MonitorStatus is a plain value whose maps are new on every Status call
// and belong to the caller. Nothing changes them afterwards, so it is safe
// to read from several goroutines at once; a caller that modifies the maps
// must guard them itself. Its zero value has nil maps, which read as empty
// and encode as null; Status never returns it.
type MonitorStatus struct {
	Limiters map[string]ResourceStatus `json:"limiters"`
	Budgets  map[string]ResourceStatus `json:"budgets"`
}

// Monitor gathers limiters and budgets to report them in one view, for a
// health or status endpoint.
//
// A *Monitor is safe for concurrent use. A zero Monitor is ready to use and
// tracks nothing.
type Monitor struct {
	mu       sync.Mutex
	limiters map[string]*Limiter
	budgets  map[string]*MemoryBudget
}

// NewMonitor returns an empty monitor.
func NewMonitor() *Monitor { return &Monitor{} }

// Track adds l under its name, replacing any limiter tracked under the same
// name. A budget of that name is kept: limiters and budgets live apart. A nil
// l is ignored.
func (m *Monitor) Track(l *Limiter) {
	if l == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.limiters == nil {
		m.limiters = make(map[string]*Limiter)
	}
	m.limiters[l.Name()] = l
}

// TrackBudget adds b under its name, replacing any budget tracked under the
// same name. A limiter of that name is kept. A nil b is ignored.
func (m *Monitor) TrackBudget(b *MemoryBudget) {
	if b == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.budgets == nil {
		m.budgets = make(map[string]*MemoryBudget)
	}
	m.budgets[b.Name()] = b
}

// Status returns the current state of everything tracked. The maps are new
// on every call and belong to the caller. Each entry is read atomically, but
// the entries are not read at one single instant.
func (m *Monitor) Status() MonitorStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := MonitorStatus{
		Limiters: make(map[string]ResourceStatus, len(m.limiters)),
		Budgets:  make(map[string]ResourceStatus, len(m.budgets)),
	}
	for name, l := range m.limiters {
		st.Limiters[name] = ResourceStatus{Active: l.Active(), Max: int64(l.Max()), Total: l.Total()}
	}
	for name, b := range m.budgets {
		st.Budgets[name] = ResourceStatus{Active: b.Reserved(), Max: b.Limit()}
	}
	return st
}
