//go:build windows

package platform_test

import "os"

var wantShutdownSignals = []os.Signal{os.Interrupt}
