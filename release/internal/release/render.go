package release

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/greynewell/mist-go/output"
	"github.com/greynewell/mist-go/release/internal/changelog"
)

// WritePlan writes the plan for people: one table row per module in
// release order, then the raised requires, the tags and any problems.
func WritePlan(w io.Writer, p *Plan) error {
	var rows [][]string
	for _, m := range p.Modules {
		last := m.Last
		if last == "" {
			last = "-"
		}
		next, bump := m.Next, m.Bump
		why := strings.Join(m.Reasons, "; ")
		switch {
		case m.Kind == KindUnreleased:
			next, bump = "-", "-"
			why = "never released"
			if len(m.Raise) > 0 {
				why += "; requires raised"
			}
		case next == "":
			next = "-"
			why = "unchanged"
			if m.Last != "" {
				why += " since " + m.Last
			}
		}
		rows = append(rows, []string{fmt.Sprint(m.Order), m.Dir, m.Kind, last, bump, next, why})
	}
	tw := output.NewWriter(output.FormatTable, w)
	if err := tw.Table([]string{"#", "MODULE", "KIND", "LAST", "BUMP", "NEXT", "WHY"}, rows); err != nil {
		return err
	}
	var b strings.Builder
	var raises []string
	for _, m := range p.Modules {
		for _, r := range m.Raise {
			from := r.From
			if from == "" {
				from = "(none)"
			}
			raises = append(raises, fmt.Sprintf("  %s: %s %s -> %s", m.Dir, r.Dir, from, r.To))
		}
	}
	if len(raises) > 0 {
		b.WriteString("\nRequires raised:\n" + strings.Join(raises, "\n") + "\n")
	}
	if len(p.Tags) > 0 {
		b.WriteString("\nTags to create, in order:\n  " + strings.Join(p.Tags, "\n  ") + "\n")
	} else {
		b.WriteString("\nNothing to release.\n")
	}
	if len(p.Changes) > 0 {
		b.WriteString("\nChange files used (deleted by apply):\n  " + strings.Join(p.Changes, "\n  ") + "\n")
	}
	var problems []string
	for _, m := range p.Modules {
		for _, pr := range m.Problems {
			problems = append(problems, "  "+m.Dir+": "+pr)
		}
	}
	if len(problems) > 0 {
		b.WriteString("\nProblems (release check fails on these):\n" + strings.Join(problems, "\n") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// GraphRow is one module of [Graph].
type GraphRow struct {
	Order      int    `table:"#" json:"order"`
	Module     string `table:"MODULE" json:"module"`
	Level      int    `table:"LEVEL" json:"level"`
	Kind       string `table:"KIND" json:"kind"`
	Requires   string `table:"REQUIRES" json:"requires"`
	RequiredBy string `table:"REQUIRED BY" json:"required_by"`
}

// Graph returns the module graph in release order.
func Graph(ctx context.Context, cfg *Config) ([]GraphRow, error) {
	r, err := load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var rows []GraphRow
	for _, m := range r.mods {
		rows = append(rows, GraphRow{Order: m.order, Module: m.Dir, Level: m.level, Kind: m.kind,
			Requires: dirs(m.deps), RequiredBy: dirs(m.users)})
	}
	return rows, nil
}

// WriteDot writes the graph in Graphviz dot: an edge A -> B when A
// requires B, nodes ranked by level.
func WriteDot(w io.Writer, rows []GraphRow) error {
	var b strings.Builder
	b.WriteString("digraph modules {\n\trankdir=BT;\n\tnode [shape=box];\n")
	for _, r := range rows {
		style := ""
		if r.Kind == KindUnreleased {
			style = " [style=dashed]"
		}
		fmt.Fprintf(&b, "\t%q%s;\n", r.Module, style)
	}
	for _, r := range rows {
		if r.Requires == "" {
			continue
		}
		for _, d := range strings.Split(r.Requires, ",") {
			fmt.Fprintf(&b, "\t%q -> %q;\n", r.Module, strings.TrimSpace(d))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func dirs(ms []*mod) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Dir)
	}
	return strings.Join(out, ",")
}

// StatusRow is one module of [Status].
type StatusRow struct {
	Module     string `table:"MODULE" json:"module"`
	Kind       string `table:"KIND" json:"kind"`
	Last       string `table:"LAST" json:"last"`           // last released version
	Changelog  string `table:"CHANGELOG" json:"changelog"` // newest version heading of CHANGELOG.md
	Unreleased string `table:"UNRELEASED" json:"unreleased"`
	Notes      string `table:"NOTES" json:"notes"`
}

// Status reports, per module, the last released version, the newest
// version heading of its CHANGELOG.md, what changed since the release,
// and notes where tags and changelog headings disagree. It is cheap: no
// API diff, one git diff and log per distinct release commit.
func Status(ctx context.Context, cfg *Config) ([]StatusRow, error) {
	r, err := load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	byBase := map[string]*changeSet{}
	for _, m := range r.mods {
		if m.lastTag == nil || byBase[m.lastTag.Commit] != nil {
			continue
		}
		if byBase[m.lastTag.Commit], err = r.changesSince(ctx, m.lastTag.Commit); err != nil {
			return nil, err
		}
	}
	var rows []StatusRow
	for _, m := range r.mods {
		row := StatusRow{Module: m.Dir, Kind: m.kind, Last: orDash(m.last)}
		doc, tagged := r.changelogOf(m)
		row.Changelog = orDash(doc)
		var notes []string
		switch {
		case m.kind == KindUnreleased:
			row.Unreleased = "-"
		case m.lastTag == nil:
			row.Unreleased = "never released"
		default:
			cs := byBase[m.lastTag.Commit]
			if n := len(cs.files[m]); n == 0 {
				row.Unreleased = "none"
			} else {
				row.Unreleased = fmt.Sprintf("%d file(s), %d commit(s)", n, len(cs.commits[m]))
			}
		}
		if m.kind != KindUnreleased {
			switch {
			case doc != "" && m.last == "":
				notes = append(notes, fmt.Sprintf("CHANGELOG.md has %s but there is no tag", doc))
			case doc != m.last && m.last != "":
				notes = append(notes, fmt.Sprintf("tag says %s, CHANGELOG.md says %s", m.last, orDash(doc)))
			}
			for _, v := range tagged {
				if !r.hasTag(m.Dir, v) {
					notes = append(notes, fmt.Sprintf("CHANGELOG.md has a section for %s but no tag %s/%s exists", v, m.Dir, v))
				}
			}
		}
		row.Notes = strings.Join(slices.Compact(notes), "; ")
		rows = append(rows, row)
	}
	return rows, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// changelogOf returns the newest version of m's CHANGELOG.md and every
// version it has a section for.
func (r *repo) changelogOf(m *mod) (string, []string) {
	data, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(m.Dir), "CHANGELOG.md"))
	if err != nil {
		return "", nil
	}
	doc := changelog.Parse(data)
	var vs []string
	for _, s := range doc.Sections {
		if v := s.Version(); v != "" {
			vs = append(vs, v)
		}
	}
	return doc.Latest(), vs
}
