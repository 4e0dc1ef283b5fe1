package grafana_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/covmon/covmon/alerts"
)

// The datasource every panel, target, variable and annotation must use (provisioned by
// provisioning/datasources/prometheus.yaml).
const (
	dsType = "prometheus"
	dsUID  = "covmon-prom"
)

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gridPos struct {
	H, W, X, Y int
}

type target struct {
	RefID        string         `json:"refId"`
	Datasource   *datasourceRef `json:"datasource"`
	Expr         string         `json:"expr"`
	Format       string         `json:"format"`
	Instant      bool           `json:"instant"`
	LegendFormat string         `json:"legendFormat"`
}

type transformation struct {
	ID      string          `json:"id"`
	Options json.RawMessage `json:"options"`
}

type matcher struct {
	ID      string `json:"id"`
	Options any    `json:"options"`
}

type fieldConfig struct {
	Defaults  json.RawMessage `json:"defaults"`
	Overrides []struct {
		Matcher    matcher `json:"matcher"`
		Properties []struct {
			ID    string          `json:"id"`
			Value json.RawMessage `json:"value"`
		} `json:"properties"`
	} `json:"overrides"`
}

type panel struct {
	ID              int              `json:"id"`
	Type            string           `json:"type"`
	Title           string           `json:"title"`
	GridPos         *gridPos         `json:"gridPos"`
	Datasource      *datasourceRef   `json:"datasource"`
	Targets         []target         `json:"targets"`
	Transformations []transformation `json:"transformations"`
	FieldConfig     fieldConfig      `json:"fieldConfig"`
	Options         json.RawMessage  `json:"options"`
	Panels          []panel          `json:"panels"` // collapsed rows
	Description     string           `json:"description"`
}

type variable struct {
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Datasource *datasourceRef  `json:"datasource"`
	Definition string          `json:"definition"`
	Query      json.RawMessage `json:"query"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
}

type annotation struct {
	Name       string         `json:"name"`
	Datasource *datasourceRef `json:"datasource"`
	Expr       string         `json:"expr"`
	Target     *target        `json:"target"`
	BuiltIn    int            `json:"builtIn"`
}

type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Annotations   *struct {
		List []annotation `json:"list"`
	} `json:"annotations"`
	Templating *struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

// allPanels returns the panels including those inside collapsed rows.
func (d *dashboard) allPanels() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// dashboardFiles returns the dashboard JSON files, which the provisioning provider loads.
func dashboardFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("dashboards", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(files), 2; got != want {
		t.Fatalf("dashboards/*.json: got %d files %v, want %d", got, files, want)
	}
	return files
}

func readDashboard(t *testing.T, path string) *dashboard {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &d
}

func checkDatasource(t *testing.T, where string, ds *datasourceRef) {
	t.Helper()
	if ds == nil {
		t.Errorf("%s: no datasource, want {type: %s, uid: %s}", where, dsType, dsUID)
		return
	}
	if got, want := *ds, (datasourceRef{dsType, dsUID}); got != want {
		t.Errorf("%s: datasource=%+v, want %+v", where, got, want)
	}
}

// variableQuery returns a query variable's query, stored as a string or as {query: ...}.
func variableQuery(t *testing.T, v variable) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(v.Query, &s); err == nil {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(v.Query, &o); err != nil {
		t.Fatalf("variable %s: query is neither a string nor {query}: %s", v.Name, v.Query)
	}
	return o.Query
}

var varRef = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)`)

// usedVariables returns the template variables an expression references.
func usedVariables(expr string) []string {
	var out []string
	for _, m := range varRef.FindAllStringSubmatch(expr, -1) {
		out = append(out, m[1]+m[2]+m[3])
	}
	return out
}

func TestDashboards(t *testing.T) {
	wantVars := map[string][]string{
		"covmon-national": {"program", "province", "carrier"},
		"covmon-carriers": {"carrier"},
	}
	uids := map[string]string{}
	for _, path := range dashboardFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			d := readDashboard(t, path)
			if d.UID == "" || d.Title == "" {
				t.Fatalf("uid=%q title=%q, want both set", d.UID, d.Title)
			}
			if other, ok := uids[d.UID]; ok {
				t.Errorf("uid %q also used by %s", d.UID, other)
			}
			uids[d.UID] = path
			if got, want := d.SchemaVersion, 39; got != want {
				t.Errorf("schemaVersion=%d, want %d", got, want)
			}
			if d.Annotations == nil || d.Templating == nil {
				t.Fatalf("annotations or templating missing: Grafana's strict schema wants annotations{list} and templating{list}")
			}

			// Variables: the expected ones, all label_values queries on our datasource.
			defined := map[string]bool{}
			for _, v := range d.Templating.List {
				defined[v.Name] = true
				if v.Type != "query" {
					continue
				}
				checkDatasource(t, "variable "+v.Name, v.Datasource)
				q := variableQuery(t, v)
				if !strings.HasPrefix(q, "label_values(") || q != v.Definition {
					t.Errorf("variable %s: query=%q definition=%q, want the same label_values(...)", v.Name, q, v.Definition)
				}
				if v.IncludeAll && v.AllValue != ".*" {
					t.Errorf("variable %s: allValue=%q, want \".*\" (exprs use =~)", v.Name, v.AllValue)
				}
			}
			want, ok := wantVars[d.UID]
			if !ok {
				t.Fatalf("unexpected dashboard uid %q", d.UID)
			}
			for _, name := range want {
				if !defined[name] {
					t.Errorf("variable %q missing", name)
				}
			}
			checkVars := func(where, expr string) {
				for _, name := range usedVariables(expr) {
					if !defined[name] && !strings.HasPrefix(name, "__") {
						t.Errorf("%s: expr uses undefined variable $%s: %s", where, name, expr)
					}
				}
				for _, name := range []string{"province", "carrier"} {
					if strings.Contains(expr, `="$`+name+`"`) {
						t.Errorf("%s: $%s is multi-valued; use =~: %s", where, name, expr)
					}
				}
			}

			for _, a := range d.Annotations.List {
				if a.BuiltIn == 1 {
					continue
				}
				checkDatasource(t, "annotation "+a.Name, a.Datasource)
				if a.Expr == "" || a.Target == nil || a.Target.Expr != a.Expr {
					t.Errorf("annotation %s: expr=%q target=%+v, want the same expr at the top (Grafana <11) and in target", a.Name, a.Expr, a.Target)
				}
				checkVars("annotation "+a.Name, a.Expr)
			}

			panels := d.allPanels()
			if len(panels) == 0 {
				t.Fatal("no panels")
			}
			ids := map[int]string{}
			var demoBanner bool
			for _, p := range panels {
				where := "panel " + p.Title
				if p.ID <= 0 {
					t.Errorf("%s: id=%d, want > 0", where, p.ID)
				}
				if other, ok := ids[p.ID]; ok {
					t.Errorf("%s: id %d also used by panel %s", where, p.ID, other)
				}
				ids[p.ID] = p.Title
				if p.GridPos == nil || p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X < 0 || p.GridPos.X+p.GridPos.W > 24 {
					t.Errorf("%s: gridPos=%+v, want w,h > 0 within 24 columns", where, p.GridPos)
				}
				if p.Type == "row" {
					continue
				}
				checkDatasource(t, where, p.Datasource)
				if len(p.Targets) == 0 {
					t.Errorf("%s: no targets", where)
				}
				refIDs := map[string]bool{}
				for _, tg := range p.Targets {
					checkDatasource(t, where+" target "+tg.RefID, tg.Datasource)
					if tg.RefID == "" || refIDs[tg.RefID] {
						t.Errorf("%s: refId %q empty or repeated", where, tg.RefID)
					}
					refIDs[tg.RefID] = true
					if strings.TrimSpace(tg.Expr) == "" {
						t.Errorf("%s target %s: empty expr", where, tg.RefID)
					}
					checkVars(where, tg.Expr)
					// Tables and maps need labels as fields: table format, instant.
					if (p.Type == "table" || p.Type == "geomap") && (tg.Format != "table" || !tg.Instant) {
						t.Errorf("%s target %s: format=%q instant=%v, want table and true", where, tg.RefID, tg.Format, tg.Instant)
					}
					if strings.Contains(tg.Expr, "covmon_demo_data") && strings.Contains(string(mustJSON(t, p.FieldConfig)), "SYNTHETIC DEMO DATA") {
						demoBanner = true
					}
				}
				if p.Type == "geomap" {
					checkGeomap(t, p)
				}
			}
			if !demoBanner {
				t.Errorf("no panel shows \"SYNTHETIC DEMO DATA\" from covmon_demo_data")
			}
			checkNoOverlap(t, panels)
			if d.UID == "covmon-national" && !slices.ContainsFunc(panels, func(p panel) bool { return p.Type == "geomap" }) {
				t.Errorf("no geomap panel")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkGeomap checks what Grafana needs to place Prometheus series on a map: table-format
// instant queries (done by the caller), lat/lon converted from label strings to numbers, and a
// markers layer reading coordinates from those fields, coloured by status.
func checkGeomap(t *testing.T, p panel) {
	t.Helper()
	converted := map[string]string{}
	for _, tr := range p.Transformations {
		if tr.ID != "convertFieldType" {
			continue
		}
		var o struct {
			Conversions []struct {
				TargetField     string `json:"targetField"`
				DestinationType string `json:"destinationType"`
			} `json:"conversions"`
		}
		if err := json.Unmarshal(tr.Options, &o); err != nil {
			t.Fatalf("geomap %s: convertFieldType options: %v", p.Title, err)
		}
		for _, c := range o.Conversions {
			converted[c.TargetField] = c.DestinationType
		}
	}
	for _, f := range []string{"lat", "lon"} {
		if got, want := converted[f], "number"; got != want {
			t.Errorf("geomap %s: convertFieldType %s -> %q, want %q", p.Title, f, got, want)
		}
	}

	var o struct {
		Layers []struct {
			Type     string `json:"type"`
			Location struct {
				Mode      string `json:"mode"`
				Latitude  string `json:"latitude"`
				Longitude string `json:"longitude"`
			} `json:"location"`
			Config struct {
				Style struct {
					Color struct {
						Field string `json:"field"`
					} `json:"color"`
				} `json:"style"`
			} `json:"config"`
			Tooltip bool `json:"tooltip"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(p.Options, &o); err != nil {
		t.Fatalf("geomap %s: options: %v", p.Title, err)
	}
	var markers int
	for _, l := range o.Layers {
		if l.Type != "markers" {
			continue
		}
		markers++
		if got, want := l.Location.Mode+" "+l.Location.Latitude+" "+l.Location.Longitude, "coords lat lon"; got != want {
			t.Errorf("geomap %s: markers location=%q, want %q", p.Title, got, want)
		}
		if got, want := l.Config.Style.Color.Field, "status"; got != want {
			t.Errorf("geomap %s: markers colour field=%q, want %q", p.Title, got, want)
		}
		if !l.Tooltip {
			t.Errorf("geomap %s: markers tooltip off", p.Title)
		}
	}
	if markers == 0 {
		t.Errorf("geomap %s: no markers layer", p.Title)
	}

	// Every status covmon_village_open can carry has a colour.
	var mapped []string
	for _, ov := range p.FieldConfig.Overrides {
		if ov.Matcher.ID != "byName" || ov.Matcher.Options != "status" {
			continue
		}
		for _, pr := range ov.Properties {
			if pr.ID != "mappings" {
				continue
			}
			var ms []struct {
				Options map[string]struct {
					Color string `json:"color"`
				} `json:"options"`
			}
			if err := json.Unmarshal(pr.Value, &ms); err != nil {
				t.Fatalf("geomap %s: status mappings: %v", p.Title, err)
			}
			for _, m := range ms {
				for k, v := range m.Options {
					if v.Color != "" {
						mapped = append(mapped, k)
					}
				}
			}
		}
	}
	sort.Strings(mapped)
	if got, want := strings.Join(mapped, ","), "dead_zone,no_data,no_power,overdue"; got != want {
		t.Errorf("geomap %s: coloured statuses=%q, want %q", p.Title, got, want)
	}
}

func checkNoOverlap(t *testing.T, ps []panel) {
	t.Helper()
	for i, a := range ps {
		for _, b := range ps[i+1:] {
			if a.GridPos == nil || b.GridPos == nil {
				continue
			}
			ga, gb := a.GridPos, b.GridPos
			if ga.X < gb.X+gb.W && gb.X < ga.X+ga.W && ga.Y < gb.Y+gb.H && gb.Y < ga.Y+ga.H {
				t.Errorf("panels %q %+v and %q %+v overlap", a.Title, *ga, b.Title, *gb)
			}
		}
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestProvisioning(t *testing.T) {
	t.Run("Datasource", func(t *testing.T) {
		var f struct {
			APIVersion  int `yaml:"apiVersion"`
			Datasources []struct {
				Name   string `yaml:"name"`
				Type   string `yaml:"type"`
				UID    string `yaml:"uid"`
				Access string `yaml:"access"`
				URL    string `yaml:"url"`
			} `yaml:"datasources"`
		}
		readYAML(t, "provisioning/datasources/prometheus.yaml", &f)
		if got, want := len(f.Datasources), 1; got != want {
			t.Fatalf("datasources=%d, want %d", got, want)
		}
		ds := f.Datasources[0]
		if got, want := ds.Type+" "+ds.UID, dsType+" "+dsUID; got != want {
			t.Errorf("type uid=%q, want %q", got, want)
		}
		if got, want := ds.URL, "http://127.0.0.1:9090"; got != want {
			t.Errorf("url=%q, want %q (the address in README.md)", got, want)
		}
		if got, want := f.APIVersion, 1; got != want {
			t.Errorf("apiVersion=%d, want %d", got, want)
		}
	})
	t.Run("Dashboards", func(t *testing.T) {
		var f struct {
			APIVersion int `yaml:"apiVersion"`
			Providers  []struct {
				Type    string `yaml:"type"`
				Options struct {
					Path string `yaml:"path"`
				} `yaml:"options"`
			} `yaml:"providers"`
		}
		readYAML(t, "provisioning/dashboards/covmon.yaml", &f)
		if got, want := len(f.Providers), 1; got != want {
			t.Fatalf("providers=%d, want %d", got, want)
		}
		p := f.Providers[0]
		if got, want := p.Type, "file"; got != want {
			t.Errorf("type=%q, want %q", got, want)
		}
		// Expand COVMON_GRAFANA_DIR the way Grafana does, to this folder (README.md).
		dir, err := filepath.Abs(".")
		if err != nil {
			t.Fatal(err)
		}
		path := os.Expand(p.Options.Path, func(k string) string {
			if k == "COVMON_GRAFANA_DIR" {
				return dir
			}
			t.Errorf("path %q uses unexpected variable %s", p.Options.Path, k)
			return ""
		})
		got, err := filepath.Glob(filepath.Join(path, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := filepath.Glob(filepath.Join(dir, "dashboards", "*.json"))
		if len(want) == 0 || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("provider path %q loads %v, want %v", path, got, want)
		}
	})
}

// promtool returns the path of promtool or fails the test: these checks are part of the
// suite, never skipped.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (%v): run .ci/run, or apt-get install prometheus (Debian), to install promtool and prometheus", err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

const rulesPath = "rules/covmon.rules.yml"

func TestRules(t *testing.T) {
	pt := promtool(t)
	t.Run("CheckRules", func(t *testing.T) {
		run(t, pt, "check", "rules", rulesPath)
	})
	t.Run("TestRules", func(t *testing.T) {
		run(t, pt, "test", "rules", "rules/covmon.rules_test.yml")
	})
	t.Run("CheckConfig", func(t *testing.T) {
		run(t, pt, "check", "config", "prometheus.yml")
	})
	t.Run("Conventions", func(t *testing.T) {
		var rf ruleFile
		readYAML(t, rulesPath, &rf)
		var tf struct {
			Tests []struct {
				AlertRuleTest []struct {
					Alertname string `yaml:"alertname"`
					ExpAlerts []any  `yaml:"exp_alerts"`
				} `yaml:"alert_rule_test"`
			} `yaml:"tests"`
		}
		readYAML(t, "rules/covmon.rules_test.yml", &tf)
		firing, quiet := map[string]bool{}, map[string]bool{}
		for _, tc := range tf.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				} else {
					quiet[a.Alertname] = true
				}
			}
		}
		var names []string
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				names = append(names, r.Alert)
				if !strings.HasPrefix(r.Alert, "Covmon") {
					t.Errorf("rule %q: want an alert named Covmon…", r.Alert)
				}
				if r.Labels["severity"] != "warning" && r.Labels["severity"] != "critical" {
					t.Errorf("%s: severity=%q, want warning or critical", r.Alert, r.Labels["severity"])
				}
				if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
					t.Errorf("%s: want summary and description annotations", r.Alert)
				}
				if want := alerts.RunbookURL(r.Alert); r.Annotations["runbook_url"] != want {
					t.Errorf("%s: runbook_url=%q, want %q", r.Alert, r.Annotations["runbook_url"], want)
				}
				if !firing[r.Alert] || !quiet[r.Alert] {
					t.Errorf("%s: unit tests: firing=%v not firing=%v, want both", r.Alert, firing[r.Alert], quiet[r.Alert])
				}
			}
		}
		for _, want := range []string{"CovmonDown", "CovmonScrapesFailing", "CovmonSnapshotStale", "CovmonJobFailing",
			"CovmonFeedFailing", "CovmonAlertDeliveryStuck"} {
			if !slices.Contains(names, want) {
				t.Errorf("alert %s missing", want)
			}
		}
		// One source per alert: no rule raises an alert covmon's engine raises.
		for _, k := range alerts.Kinds {
			if n := alerts.AlertName(k); slices.Contains(names, n) {
				t.Errorf("alert %s is both a Prometheus rule and covmon's engine alert (kind %s)", n, k)
			}
		}
	})
}

var metricName = regexp.MustCompile(`\bcovmon_[a-z0-9_]+`)

// TestMetricNames checks that every covmon metric the dashboards and rules query is one that
// docs/metrics.md (the contract) documents, so a rename cannot silently empty a panel.
func TestMetricNames(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`(covmon_[a-z0-9_]+)`").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	files := append(dashboardFiles(t), rulesPath)
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range metricName.FindAllString(string(b), -1) {
			base := name
			for _, suf := range []string{"_bucket", "_count", "_sum"} {
				if strings.HasSuffix(name, suf) && documented[strings.TrimSuffix(name, suf)] {
					base = strings.TrimSuffix(name, suf)
				}
			}
			if !documented[base] {
				t.Errorf("%s uses %s, which docs/metrics.md does not document", path, name)
			}
		}
	}
}

// TestRunbooks checks that docs/runbooks.md has a section for every Prometheus rule and every
// alert of covmon's engine: their runbook_url annotations point at it.
func TestRunbooks(t *testing.T) {
	b, err := os.ReadFile("../docs/runbooks.md")
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	readYAML(t, rulesPath, &rf)
	var names []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Alert)
		}
	}
	for _, k := range alerts.Kinds {
		names = append(names, alerts.AlertName(k))
	}
	for _, n := range names {
		if !regexp.MustCompile(`(?m)^#+ ` + n + `$`).Match(b) {
			t.Errorf("docs/runbooks.md has no section %q (runbook_url %s)", n, alerts.RunbookURL(n))
		}
	}
}

// Days shown on a dashboard are whole days, as covmon counts them everywhere else (covmon
// status "passed 729 days ago", days_overdue in the API and the exports): floor((time() − T) /
// 86400). A stat panel with "decimals": 0 rounds instead, so from noon on each day the
// dashboard said one day more than covmon status for the same instant.
func TestDashboards_WholeDays(t *testing.T) {
	days := regexp.MustCompile(`/\s*86400`)
	for _, path := range dashboardFiles(t) {
		for _, p := range readDashboard(t, path).allPanels() {
			for _, tg := range p.Targets {
				if days.MatchString(tg.Expr) && !strings.HasPrefix(strings.TrimSpace(tg.Expr), "floor(") {
					t.Errorf("%s: panel %q: %s: days not floored to whole days", filepath.Base(path), p.Title, tg.Expr)
				}
			}
		}
	}
}

// The dashboards use covmon's words as docs/figures.md defines them. Overdue villages are the
// open villages past their deadline — dead zones and never-reported villages alike —, not a
// subset of the dead zones: with one dead zone and two never-reported villages past the
// deadline, a province has 1 dead zone and 3 overdue (the panels said "Dead-zone villages past
// their deadline" and "dead zones, of which overdue"). "lõm sóng" is a partly covered village
// (the not-spots panel's "partial area (lõm sóng)"); the dead zones (status dead_zone) are
// "trắng sóng" — two panels counted them as "vùng lõm sóng còn lại". And the not-spots panel
// has no "partial" series any more (docs/figures.md, "Honest terms").
func TestDashboards_TermsKeepTheirMeaning(t *testing.T) {
	wrongDesc := regexp.MustCompile(`(?i)dead-zone villages past|dead zones, of which overdue|partial: villages covered by some`)
	for _, path := range dashboardFiles(t) {
		for _, p := range readDashboard(t, path).allPanels() {
			if wrongDesc.MatchString(p.Description) {
				t.Errorf("%s: panel %q: %q", filepath.Base(path), p.Title, p.Description)
			}
			if strings.Contains(strings.ToLower(p.Title), "lõm sóng còn lại") {
				t.Errorf("%s: panel %q counts the dead zones (trắng sóng) as lõm sóng", filepath.Base(path), p.Title)
			}
		}
	}
}
