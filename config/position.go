package config

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// keyLines maps the dotted path of every key in a valid TOML document to
// the 1-based line where the key is written, using the same path syntax as
// decode errors (server.port, servers[1].port). [Load] calls it only on
// the error path, so a clean load parses the document once.
func keyLines(data []byte) map[string]int {
	k := keyIndex{
		lines:  map[string]int{},
		arrays: map[string]int{},
	}
	k.starts = append(k.starts, 0)
	for i, c := range data {
		if c == '\n' {
			k.starts = append(k.starts, i+1)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	cur := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts, line := k.key(e.Key())
			if len(parts) == 0 {
				continue
			}
			path := k.resolve(parts[:len(parts)-1], line)
			path = join(path, parts[len(parts)-1])
			if e.Kind == unstable.ArrayTable {
				k.record(path, line)
				n := k.arrays[path]
				k.arrays[path] = n + 1
				path += "[" + strconv.Itoa(n) + "]"
			} else if n, ok := k.arrays[path]; ok && n > 0 {
				path += "[" + strconv.Itoa(n-1) + "]"
			}
			k.record(path, line)
			cur = path
		case unstable.KeyValue:
			k.keyValue(cur, e)
		}
	}
	return k.lines
}

type keyIndex struct {
	starts []int          // byte offset of each line start
	lines  map[string]int // path -> line
	arrays map[string]int // array-of-tables path -> elements so far
}

func (k *keyIndex) line(offset uint32) int {
	return sort.SearchInts(k.starts, int(offset)+1)
}

func (k *keyIndex) record(path string, line int) {
	if _, ok := k.lines[path]; !ok {
		k.lines[path] = line
	}
}

// key returns the parts of a (possibly dotted) key and its line.
func (k *keyIndex) key(it unstable.Iterator) ([]string, int) {
	var parts []string
	line := 0
	for it.Next() {
		n := it.Node()
		if line == 0 {
			line = k.line(n.Raw.Offset)
		}
		parts = append(parts, string(n.Data))
	}
	return parts, line
}

// resolve turns table-header parts into a path, entering the latest
// element of any array of tables on the way.
func (k *keyIndex) resolve(parts []string, line int) string {
	path := ""
	for _, p := range parts {
		path = join(path, p)
		if n, ok := k.arrays[path]; ok && n > 0 {
			path += "[" + strconv.Itoa(n-1) + "]"
		}
		k.record(path, line)
	}
	return path
}

func (k *keyIndex) keyValue(base string, kv *unstable.Node) {
	parts, line := k.key(kv.Key())
	path := base
	for _, p := range parts {
		path = join(path, p)
		k.record(path, line)
	}
	k.value(path, kv.Value(), line)
}

func (k *keyIndex) value(path string, v *unstable.Node, line int) {
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			k.keyValue(path, it.Node())
		}
	case unstable.Array:
		i := 0
		it := v.Children()
		for it.Next() {
			e := it.Node()
			if e.Kind == unstable.Comment {
				continue
			}
			el := line
			if e.Raw.Length > 0 {
				el = k.line(e.Raw.Offset)
			}
			p := path + "[" + strconv.Itoa(i) + "]"
			k.record(p, el)
			k.value(p, e, el)
			i++
		}
	}
}

// lookupLine finds the line of path, or of its nearest recorded parent;
// 0 when nothing is known.
func lookupLine(lines map[string]int, path string) int {
	for path != "" {
		if l, ok := lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
	return 0
}
