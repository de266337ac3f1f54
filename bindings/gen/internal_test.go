package gen

import "testing"

func TestPyAttr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"from", "from_"},
		{"class", "class_"},
		{"None", "None_"},
		{"to_dict", "to_dict_"},
		{"_shape", "_shape_"},
		{"a-b", "a_b"},
		{"1x", "_1x"},
		{"", "_"},
		{"ok_name", "ok_name"},
		{"Uptime", "Uptime"},
		{"é", "_"},
		{"match", "match"}, // a soft keyword is a valid name
	}
	for _, tt := range tests {
		if got := pyAttr(tt.in); got != tt.want {
			t.Errorf("pyAttr(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTSIdent(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"from", true}, {"uptime_s", true}, {"$x", true}, {"a1", true},
		{"1a", false}, {"a-b", false}, {"", false}, {"é", false}, {"a b", false},
	}
	for _, tt := range tests {
		if got := tsIdent(tt.in); got != tt.want {
			t.Errorf("tsIdent(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestConstName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"infer.request", "TYPE_INFER_REQUEST"},
		{"health.pong", "TYPE_HEALTH_PONG"},
		{"a-b.C9", "TYPE_A_B_C9"},
		{"é", "TYPE__"},
	}
	for _, tt := range tests {
		if got := constName(tt.in); got != tt.want {
			t.Errorf("constName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"tab\there", `"tab\u0009here"`},
		{"\u2028", `"\u2028"`},
		{"é😀", `"é😀"`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
