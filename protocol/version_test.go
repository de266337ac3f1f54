package protocol_test

import (
	"strings"
	"testing"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for ok, else a substring of the error
	}{
		{"1", ""},
		{" 1 ", ""},
		{"\t1\n", ""},
		{"01", ""},
		{"", "empty"},
		{"   ", "empty"},
		{"x", "not a decimal integer"},
		{"1.0", "not a decimal integer"},
		{"+1", "not a decimal integer"},
		{"-1", "not a decimal integer"},
		{"1 1", "not a decimal integer"},
		{"0", "too old"},
		{"2", "too new"},
		{"99", "too new"},
		{"99999999999999999999999", "too new"},
	}
	for _, tt := range tests {
		err := protocol.CheckVersion(tt.in)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckVersion(%q) = %v, want nil", tt.in, err)
			}
			if !protocol.IsCompatible(tt.in) {
				t.Errorf("IsCompatible(%q) = false, want true", tt.in)
			}
			continue
		}
		if err == nil || errors.Code(err) != errors.CodeProtocol || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckVersion(%q) = %v, want a protocol error saying %q", tt.in, err, tt.want)
		}
		if protocol.IsCompatible(tt.in) {
			t.Errorf("IsCompatible(%q) = true, want false", tt.in)
		}
	}
}

func TestCheckVersionRange(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"1", "too old"}, {"2", ""}, {"3", ""}, {"4", ""}, {"5", "too new"},
	}
	for _, tt := range tests {
		err := protocol.CheckVersionIn(tt.in, 2, 4)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("checkVersion(%q, 2, 4) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestNegotiateVersion(t *testing.T) {
	tests := []struct {
		local, remote string
		want          string
		wantErr       string
	}{
		{"1", "1", "1", ""},
		{"1-3", "2-5", "3", ""},
		{"2-5", "1-3", "3", ""},
		{"1-3", "2", "2", ""},
		{" 1 - 3 ", "3", "3", ""},
		{"1-10", "10-20", "10", ""},
		{"007", "7", "7", ""},
		{"1", "2", "", "no version in common"},
		{"1-2", "3-4", "", "no version in common"},
		{"3-1", "1", "", "min > max"},
		{"1", "5-2", "", "min > max"},
		{"", "1", "", "not a version"},
		{"1", "x", "", "not a version"},
		{"1-", "1", "", "not a version"},
		{"-1", "1", "", "not a version"},
		{"1-2-3", "1", "", "not a version"},
		{"1", "1-99999999999999999999999", "1", ""},
		{"2-99999999999999999999", "1-99999999999999999999999", "", "beyond 18446744073709551615"},
		{"1", "99999999999999999999-99999999999999999999999", "", "out of range"},
		{"5", "99999999999999999999-1", "", "min > max"},
	}
	for _, tt := range tests {
		got, err := protocol.NegotiateVersion(tt.local, tt.remote)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("NegotiateVersion(%q, %q) = %q, %v; want %q", tt.local, tt.remote, got, err, tt.want)
			}
			continue
		}
		if got != "" || errors.Code(err) != errors.CodeProtocol || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("NegotiateVersion(%q, %q) = %q, %v; want a protocol error saying %q", tt.local, tt.remote, got, err, tt.wantErr)
		}
	}
}

func TestVersionInfo(t *testing.T) {
	if got, want := protocol.VersionInfo(), "MIST protocol version 1"; got != want {
		t.Errorf("VersionInfo() = %q, want %q", got, want)
	}
	if got, want := protocol.VersionInfoFor("2", "1", "3"), "MIST protocol version 2 (supports 1-3)"; got != want {
		t.Errorf("versionInfo(2, 1, 3) = %q, want %q", got, want)
	}
}
