package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/covmon/covmon"

// A pattern names packages. "std" is the standard library. A pattern whose first element has
// no dot is inside covmon ("geo" is github.com/covmon/covmon/geo); others are full import
// paths. "x/..." is x and every package below it.
//
// Every rule whose From matches a package applies to it (so "geo" obeys both its own rule and
// the "geo/..." one). Only the production imports count: a test may import the SQLite store
// or a real notifier to test against real parts.
type rule struct {
	From string
	// Allow, when set, is all a matching package may import.
	Allow []string
	// Deny is what a matching package may never import.
	Deny []string
	// Except lists packages the rule does not apply to.
	Except []string
	Why    string
}

// onlyFrom says which packages may import a package matching To.
type onlyFrom struct {
	To, From []string
	Why      string
}

var (
	orbAndText = []string{"std", "github.com/paulmach/orb/...", "golang.org/x/text/..."}

	rules = []rule{
		{From: "geo", Allow: orbAndText,
			Why: "geo is the domain everything speaks: standard library and orb only"},
		{From: "geo/...", Allow: append(slices.Clone(orbAndText), "geo/..."),
			Why: "the formats and the spatial join (geo/format, geo/cover, …) build on geo and orb only"},
		{From: "collector/...", Deny: []string{"cmd/..."},
			Why: "main wires the collector, never the reverse"},
		{From: "alerts/...", Deny: []string{"cmd/..."},
			Why: "main wires the alerts, never the reverse"},
		{From: "collector/...", Deny: []string{"alerts/..."}, Except: []string{"collector/sqlite", "collector/postgres", "collector/internal/sqlstore", "collector/storetest"},
			Why: "collecting and alerting are separate services; only the stores, which implement the ports of both (with the Go they share, collector/internal/sqlstore), and their contract suite see both"},
		{From: "alerts/...", Deny: []string{"collector/..."},
			Why: "collecting and alerting are separate services"},
	}

	onlyFroms = []onlyFrom{
		{To: []string{"collector/sqlite", "collector/postgres", "alerts/webhook", "alerts/alertmanager", "seeds"}, From: []string{"cmd/..."},
			Why: "adapters and the demo data are chosen by main; the services see interfaces"},
	}
)

// match reports whether import path p matches pattern pat.
func match(pat, p string) bool {
	if pat == "std" {
		first, _, _ := strings.Cut(p, "/")
		return !strings.Contains(first, ".")
	}
	if first, _, _ := strings.Cut(pat, "/"); !strings.Contains(first, ".") {
		pat = module + "/" + pat
	}
	if base, ok := strings.CutSuffix(pat, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pat
}

func matchAny(pats []string, p string) bool {
	return slices.ContainsFunc(pats, func(pat string) bool { return match(pat, p) })
}

// violations checks graph (package → its production imports) against the rules.
func violations(graph map[string][]string) []string {
	var out []string
	pkgs := make([]string, 0, len(graph))
	for p := range graph {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	for _, p := range pkgs {
		for _, imp := range graph[p] {
			if v := breach(p, imp); v != "" {
				out = append(out, fmt.Sprintf("%s imports %s: %s", p, imp, v))
			}
		}
	}
	return out
}

// breach says why package p may not import imp (the first rule it breaks), or "".
func breach(p, imp string) string {
	for _, r := range rules {
		if !match(r.From, p) || matchAny(r.Except, p) {
			continue
		}
		if (r.Allow != nil && !matchAny(r.Allow, imp)) || matchAny(r.Deny, imp) {
			return fmt.Sprintf("%s (rule for %s)", r.Why, r.From)
		}
	}
	for _, o := range onlyFroms {
		if matchAny(o.To, imp) && !matchAny(o.From, p) {
			return fmt.Sprintf("only %s may: %s", strings.Join(o.From, ", "), o.Why)
		}
	}
	return ""
}

// importGraph lists every package of the module with its production imports.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 {
			graph[f[0]] = f[1:]
		}
	}
	return graph
}

func TestImportGraph(t *testing.T) {
	graph := importGraph(t)
	// The list must hold the packages the rules are about, or the test proves nothing.
	for _, p := range []string{"geo", "collector", "collector/sqlite", "alerts", "cmd/covmon"} {
		if _, ok := graph[module+"/"+p]; !ok {
			t.Fatalf("go list did not list %s/%s (listed %d packages)", module, p, len(graph))
		}
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}

// TestRules_CatchViolations runs the rules on a made-up graph with one breach of each.
func TestRules_CatchViolations(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	graph := map[string][]string{
		m("geo"):               {"fmt", "github.com/paulmach/orb/planar", m("geo/format"), "modernc.org/sqlite"},
		m("geo/format"):        {"io", m("geo"), m("geo/format/internal/scan"), m("collector")},
		m("geo/cover"):         {m("geo"), "github.com/paulmach/orb", "github.com/prometheus/client_golang/prometheus"},
		m("collector"):         {m("geo"), m("alerts"), m("cmd/covmon"), m("collector/sqlite")},
		m("collector/sqlite"):  {m("geo"), m("alerts"), "modernc.org/sqlite"},
		m("collector/httpapi"): {m("collector"), m("seeds")},
		m("alerts"):            {m("geo"), m("collector")},
		m("alerts/webhook"):    {m("alerts"), m("collector/metrics")},
		m("cmd/covmon"):        {m("collector/sqlite"), m("alerts/webhook"), m("alerts/alertmanager"), m("seeds"), m("collector"), m("alerts")},
	}
	want := []string{
		"geo imports github.com/covmon/covmon/geo/format",
		"geo imports modernc.org/sqlite",
		"geo/format imports github.com/covmon/covmon/collector",
		"geo/cover imports github.com/prometheus/client_golang/prometheus",
		"collector imports github.com/covmon/covmon/alerts",
		"collector imports github.com/covmon/covmon/cmd/covmon",
		"collector imports github.com/covmon/covmon/collector/sqlite",
		"collector/httpapi imports github.com/covmon/covmon/seeds",
		"alerts imports github.com/covmon/covmon/collector",
		"alerts/webhook imports github.com/covmon/covmon/collector/metrics",
	}
	got := violations(graph)
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w+":") {
			t.Errorf("not caught: %s", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d:\n%s", len(got), len(want), joined)
	}
}
