package protocol

// Seams for the external tests.
var (
	VersionInfoFor = versionInfo    // VersionInfo with other version constants
	CheckVersionIn = checkVersion   // CheckVersion against another supported range
	StoredChecksum = storedChecksum // computed CRC -> stored checksum
)

// UnregisterPayload removes a type registered by a test, so that the test
// can run again in the same process (go test -count=N).
func UnregisterPayload(typ string) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	delete(registry.factories, typ)
}
