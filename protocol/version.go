package protocol

import (
	"math"
	"strconv"
	"strings"
)

// Protocol versions. A version is a decimal integer written as a string.
const (
	CurrentVersion      = "1"
	MinSupportedVersion = "1"
	MaxSupportedVersion = "1"
)

// parseVersion reads a version: ASCII digits after trimming spaces. A value
// too large for uint64 is returned as math.MaxUint64 with big set.
func parseVersion(s string) (v uint64, big bool, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil { // only ErrRange is possible here
		return math.MaxUint64, true, true
	}
	return v, false, true
}

// mustVersion parses one of the version constants.
func mustVersion(s string) uint64 {
	v, _, ok := parseVersion(s)
	if !ok {
		panic("protocol: bad version constant " + strconv.Quote(s))
	}
	return v
}

func versionError(field string, format string, args ...any) error {
	return protocolError(reasonVersion, field, nil, format, args...)
}

// CheckVersion reports whether this package can read messages of the given
// version. A version is a decimal integer (ASCII digits only, no sign),
// read after trimming spaces. It fails, with code protocol, on an empty
// string, a string that is not such an integer, a version below
// [MinSupportedVersion] ("too old") or above [MaxSupportedVersion] ("too
// new").
func CheckVersion(version string) error {
	if version == CurrentVersion && currentSupported {
		return nil // the common case, decided once
	}
	return checkVersion(version, minVersion, maxVersion)
}

// The supported range, and whether CheckVersion accepts CurrentVersion,
// computed once from the constants. They never change.
var (
	minVersion       = mustVersion(MinSupportedVersion)
	maxVersion       = mustVersion(MaxSupportedVersion)
	currentSupported = checkVersion(CurrentVersion, minVersion, maxVersion) == nil
)

func checkVersion(version string, lo, hi uint64) error {
	if strings.TrimSpace(version) == "" {
		return versionError("version", "message version is empty")
	}
	v, _, ok := parseVersion(version)
	switch {
	case !ok:
		return versionError("version", "message version %q is not a decimal integer", version)
	case v < lo:
		return versionError("version", "message version %q is too old: supported versions are %d-%d", version, lo, hi)
	case v > hi:
		return versionError("version", "message version %q is too new: supported versions are %d-%d", version, lo, hi)
	}
	return nil
}

// IsCompatible reports whether [CheckVersion] accepts version.
func IsCompatible(version string) bool {
	return CheckVersion(version) == nil
}

// parseRange reads "N" or "min-max" (spaces around either number allowed).
// A bound too large for uint64 saturates at math.MaxUint64, and bigHi
// reports that for the upper one.
func parseRange(side, s string) (lo, hi uint64, bigHi bool, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		b = a
	}
	lo, bigLo, okLo := parseVersion(a)
	hi, bigHi, okHi := parseVersion(b)
	switch {
	case !okLo || !okHi:
		return 0, 0, false, versionError("", "negotiate version: %s %q is not a version or min-max range", side, s)
	case lo > hi || (bigLo && bigHi):
		// Two saturated bounds cannot be compared; a range that large is
		// not a real one either.
		return 0, 0, false, versionError("", "negotiate version: %s %q has min > max or is out of range", side, s)
	}
	return lo, hi, bigHi, nil
}

// NegotiateVersion returns the highest version that both sides support, as
// a decimal string. Each side is a single version "N" or an inclusive range
// "min-max", for example "1-3". It fails, with code protocol, when either
// side does not parse, has min > max, or the ranges do not overlap.
//
//	v, err := protocol.NegotiateVersion("1-3", "2-5") // "3"
func NegotiateVersion(local, remote string) (string, error) {
	llo, lhi, lbig, err := parseRange("local", local)
	if err != nil {
		return "", err
	}
	rlo, rhi, rbig, err := parseRange("remote", remote)
	if err != nil {
		return "", err
	}
	lo, hi := max(llo, rlo), min(lhi, rhi)
	switch {
	case lo > hi:
		return "", versionError("", "negotiate version: local %q and remote %q have no version in common", local, remote)
	case hi == math.MaxUint64 && (lbig || rbig):
		// The answer is a saturated bound: the real number does not fit.
		return "", versionError("", "negotiate version: local %q and remote %q agree only on versions beyond %d", local, remote, uint64(math.MaxUint64))
	}
	return strconv.FormatUint(hi, 10), nil
}

// VersionInfo describes the protocol version this package speaks:
// "MIST protocol version 1", followed by " (supports <min>-<max>)" when it
// reads more than one version.
func VersionInfo() string {
	return versionInfo(CurrentVersion, MinSupportedVersion, MaxSupportedVersion)
}

func versionInfo(current, lo, hi string) string {
	s := "MIST protocol version " + current
	if lo != hi {
		s += " (supports " + lo + "-" + hi + ")"
	}
	return s
}
