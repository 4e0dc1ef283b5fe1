package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

func loadTestConfig(t *testing.T, name string) (Config, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := DefaultConfig()
	if err := ParseConfig(f, &c); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestConfig_Invalid(t *testing.T) {
	for _, tt := range []struct {
		file, err string
	}{
		{"invalid-database.yml", "config: database: required (got )"},
		{"invalid-override-date.yml", "config: programs[0].overrides.provinces.08: invalid value: want a date YYYY-MM-DD (got 30/06/2025)"},
		{"invalid-unknown-key.yml", "parse config: yaml: unmarshal errors:\n  line 1: field carrierz not found in type main.Config"},
		{"invalid-carrier-repeated.yml", "config: carriers[1]: invalid value: empty or repeated (got viettel)"},
		{"invalid-min-technology.yml", "config: policy.min_technology: invalid value: want 2g, 3g, 4g or 5g (got 6g)"},
		{"invalid-rsrp.yml", "config: policy.min_rsrp_dbm: invalid value: want -160..-30 (got -20)"},
		{"invalid-default-program.yml", "config: default_program: invalid value: not among programs (got nope)"},
		{"invalid-program-deadline.yml", "config: programs[0].deadline: required (got 0001-01-01 00:00:00 +0000 UTC)"},
		{"invalid-interval.yml", "config: collector.inbox_every: invalid value: want at least 1s (got 10ms)"},
		{"invalid-feed-timeout.yml", "config: collector.feed_timeout: invalid value: want at least 1s (got 0s)"},
		{"invalid-feed-name-repeated.yml", "config: collector.feeds[1].name: invalid value: repeated: each feed's failures are counted under its name (got coverage)"},
		{"invalid-feed-url.yml", "config: collector.feeds[0].url: invalid value: want an http or https URL (got ftp://x/y)"},
		{"invalid-feed-carrier.yml", "config: collector.feeds[0].carrier: invalid value: not among carriers (got telco)"},
		{"invalid-feed-metadata.yml", "config: collector.feeds[0].url: invalid value: address refused by the feed network policy: 169.254.169.254 is link-local, where cloud metadata services answer (collector.feed_network.allow_link_local) (got http://169.254.169.254/latest/meta-data/)"},
		{"invalid-feed-bare.yml", "config: collector.feeds[0].url: invalid value: the URL has no host (got http://)"},
		{"invalid-feed-loopback.yml", "config: collector.feeds[0].url: invalid value: address refused by the feed network policy: localhost is loopback (collector.feed_network.allow_loopback) (got http://xxxxx@localhost:8080/feed?token=xxxxx)"},
		{"invalid-upload-slots.yml", "config: server.max_uploads_per_uploader: invalid value: more than server.max_concurrent_uploads (got 5)"},
		{"invalid-carrier-name.yml", `config: carriers[1]: invalid value: want lower-case letters, digits, - or _ (at most 32; it names the carrier's drop folder), and not "registry" (got ../mobifone)`},
		{"invalid-carrier-inspector.yml", `config: carriers[2]: invalid value: "inspector" names the inspectors' drop folder (inbox/inspector/, independent measurements); rename the carrier (got inspector)`},
		{"invalid-policy-order.yml", "config: programs[0].policies[1].effective: invalid value: not after the previous version's (got 2021-01-01)"},
		{"invalid-trust.yml", "config: programs[0].trust: invalid value: want claims or verified (got carriers)"},
		{"invalid-discrepancy-age.yml", "config: programs[0].discrepancy_max_age: invalid value: want 1..3650 days (got 0)"},
		{"invalid-debug-pprof.yml", "config: debug.pprof: invalid value: want a loopback address (127.0.0.1 or [::1]): profiles have no access control (got 0.0.0.0:6060)"},
		{"invalid-feed-kind.yml", "config: collector.feeds[0].kind: invalid value: want observations, areas, plans or villages (got polygons)"},
	} {
		t.Run(strings.TrimSuffix(tt.file, ".yml"), func(t *testing.T) {
			_, err := loadTestConfig(t, tt.file)
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != tt.err {
				t.Errorf("err=%q\nwant %q", got, tt.err)
			}
			var ce *ConfigError
			if !strings.HasPrefix(tt.err, "parse") && !errors.As(err, &ce) {
				t.Errorf("err is not a *ConfigError: %T", err)
			}
		})
	}
}

func TestConfig_Valid(t *testing.T) {
	c, err := loadTestConfig(t, "valid.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Server.Listen, "127.0.0.1:9999"; got != want {
		t.Errorf("Listen=%q, want %q", got, want)
	}
	if got, want := c.GeoPolicy().MinTechnology, geo.Tech4G; got != want {
		t.Errorf("MinTechnology=%v, want %v", got, want)
	}
	progs := c.GeoPrograms()
	if len(progs) != 2 || progs[0].ID != "vls-2024" || !progs[0].Deadline.Equal(geo.DefaultProgram().Deadline) {
		t.Errorf("programs: %+v", progs)
	}
	if got, want := progs[0].LateEntryGrace, geo.DefaultLateEntryGrace; got != want {
		t.Errorf("vls-2024 grace=%v, want the default %v", got, want)
	}
	if progs[0].Trust != geo.TrustClaims || progs[0].EvidenceMaxAge != geo.DefaultEvidenceMaxAge ||
		progs[1].Trust != geo.TrustVerified || progs[1].EvidenceMaxAge != 90*24*time.Hour {
		t.Errorf("trust: vls-2024 %s (%v), 4g-2025 %s (%v); want claims (180 days), verified (90 days)",
			progs[0].Trust, progs[0].EvidenceMaxAge, progs[1].Trust, progs[1].EvidenceMaxAge)
	}
	p := progs[1]
	if p.LateEntryGrace != 180*24*time.Hour || !p.ProvinceDeadlines["08"].Equal(time.Date(2026, 6, 30, 0, 0, 0, 0, geo.Vietnam)) ||
		!p.VillageDeadlines["V08-0001"].Equal(time.Date(2026, 3, 31, 0, 0, 0, 0, geo.Vietnam)) || len(progs[0].VillageDeadlines) != 0 {
		t.Errorf("4g-2025: grace %v, overrides %v %v", p.LateEntryGrace, p.ProvinceDeadlines, p.VillageDeadlines)
	}
	// The second program's policies: the top-level one (min 4g) before its first version, the
	// versions from their dates (00:00 in Vietnam), fields left out kept from the top level.
	p4g := progs[1]
	for _, tt := range []struct {
		at   time.Time
		tech geo.Technology
		rsrp float64
	}{
		{time.Date(2020, 6, 1, 0, 0, 0, 0, geo.Vietnam), geo.Tech4G, -120},
		{time.Date(2021, 1, 1, 0, 0, 0, 0, geo.Vietnam), geo.Tech3G, -120},
		{time.Date(2024, 12, 31, 23, 59, 0, 0, geo.Vietnam), geo.Tech3G, -120},
		{time.Date(2025, 1, 1, 0, 0, 0, 0, geo.Vietnam), geo.Tech4G, -110},
	} {
		if got := p4g.PolicyAt(tt.at); got.MinTechnology != tt.tech || got.MinRSRPdBm != tt.rsrp || len(got.Carriers) != 4 {
			t.Errorf("4g-2025 policy at %s: %+v, want min %s, RSRP %g, 4 carriers", tt.at, got, tt.tech, tt.rsrp)
		}
	}
	if got := progs[0].PolicyAt(time.Now()); got.MinTechnology != geo.Tech4G || len(progs[0].Policies) != 1 {
		t.Errorf("vls-2024 (no policies of its own): %+v, want the top-level policy only", progs[0].Policies)
	}
	// Untouched sections keep their defaults.
	if got, want := c.Collector.RefreshEvery, DefaultConfig().Collector.RefreshEvery; got != want {
		t.Errorf("RefreshEvery=%v, want the default %v", got, want)
	}
}

func TestDefaultConfig_Valid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("the default configuration is invalid: %v", err)
	}
}

func TestServe_CheckConfig(t *testing.T) {
	out := mustRun(t, "", "serve", "--check-config", "--config", filepath.Join("testdata", "valid.yml"))
	if strings.TrimSpace(out) != "configuration OK" {
		t.Errorf("check-config printed %q", out)
	}
	_, _, err := run(t, "", "serve", "--check-config", "--config", filepath.Join("testdata", "invalid-rsrp.yml"))
	if err == nil || !strings.Contains(err.Error(), "policy.min_rsrp_dbm") {
		t.Errorf("err=%v", err)
	}
}

// TestServe_CheckConfigRefusesFeeds: serve --check-config refuses a feed at the cloud
// metadata address and a bare "http://" (issue 15 item 3).
func TestServe_CheckConfigRefusesFeeds(t *testing.T) {
	for _, file := range []string{"invalid-feed-metadata.yml", "invalid-feed-bare.yml", "invalid-feed-loopback.yml"} {
		m := NewMain()
		var out strings.Builder
		m.Stdout, m.Stderr = &out, &out
		m.Getenv = func(string) string { return "" }
		err := m.Run(context.Background(), []string{"serve", "--check-config", "--config", filepath.Join("testdata", file)})
		if err == nil || !strings.Contains(err.Error(), "collector.feeds[0].url") || strings.Contains(out.String(), "configuration OK") {
			t.Errorf("%s: %v (output %q)", file, err, out.String())
		}
		if strings.Contains(err.Error()+out.String(), "pa55word") || strings.Contains(err.Error()+out.String(), "s3cret") {
			t.Errorf("%s: a credential is printed: %v", file, err)
		}
	}
}

// TestServe_FlagsWinOverConfig: --listen and --inbox override the file, also once the database
// is opened (which must not read the file again).
func TestServe_FlagsWinOverConfig(t *testing.T) {
	m := NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	m.Getenv = func(string) string { return "" }
	args := []string{"serve", "--check-config", "--config", filepath.Join("testdata", "valid.yml"), "--listen", "127.0.0.1:7777", "--inbox", "/srv/in"}
	if err := m.Run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	if err := m.loadConfig(); err != nil { // what open does
		t.Fatal(err)
	}
	if got, want := m.Config.Server.Listen, "127.0.0.1:7777"; got != want {
		t.Errorf("Listen=%q, want the flag's %q", got, want)
	}
	if got, want := m.Config.Collector.Inbox, "/srv/in"; got != want {
		t.Errorf("Inbox=%q, want the flag's %q", got, want)
	}
}

// A program deadline written as a date is 00:00 Vietnam time, like every other date covmon
// reads (overrides, --as-of, the registry's deadlines): "deadline: 2024-12-01" and
// "deadline: 2024-12-01T00:00:00+07:00" are the same instant. YAML alone reads the bare date as
// 00:00 UTC, 07:00 in Vietnam: at 03:00 on 2024-12-01 every surface said "in 1 days" and
// counted nothing overdue.
func TestConfig_DeadlineDateIsVietnamMidnight(t *testing.T) {
	want := time.Date(2024, 12, 1, 0, 0, 0, 0, geo.Vietnam)
	for _, tt := range []struct{ deadline, err string }{
		{deadline: "2024-12-01"},
		{deadline: `"2024-12-01"`},
		{deadline: "2024-12-01T00:00:00+07:00"},
		{deadline: "2024-11-30T17:00:00Z"},
		{deadline: "30/11/2024", err: `want YYYY-MM-DD or an RFC 3339 instant, got "30/11/2024"`},
		{deadline: "2024-12-01 00:00:00", err: `want YYYY-MM-DD or an RFC 3339 instant, got "2024-12-01 00:00:00"`},
	} {
		t.Run(tt.deadline, func(t *testing.T) {
			c := DefaultConfig()
			err := ParseConfig(strings.NewReader("programs:\n  - id: vls-2024\n    deadline: "+tt.deadline+"\n"), &c)
			if err == nil {
				err = c.Validate()
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "line 3") {
					t.Fatalf("err = %v, want one naming line 3 and %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.Program("vls-2024")
			if err != nil {
				t.Fatal(err)
			}
			if !p.Deadline.Equal(want) {
				t.Errorf("deadline %s = %s, want %s", tt.deadline, p.Deadline.In(geo.Vietnam), want)
			}
		})
	}
}
