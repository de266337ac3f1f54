package transporttest

import "time"

// SetFaultAfter injects the timer a Fault waits on.
func SetFaultAfter(f *Fault, after func(time.Duration) <-chan time.Time) { f.after = after }

// ErrFault is the error a Fault injects by default.
var ErrFault = errFault
