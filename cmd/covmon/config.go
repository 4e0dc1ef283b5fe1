package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/metrics"
	"github.com/covmon/covmon/geo"
)

// Config is covmon's configuration file (YAML). Every field has a default; a file only names
// what it changes. Unknown keys are errors.
type Config struct {
	// Database is the SQLite file, or a postgres:// URL for the PostgreSQL store (flag --db
	// and env COVMON_DB override it).
	Database string `yaml:"database"`
	// Carriers is the list of carriers files may name.
	Carriers []string `yaml:"carriers"`
	// Policy holds the thresholds that decide when signal counts.
	Policy PolicyConfig `yaml:"policy"`
	// Programs lists the coverage programs; DefaultProgram names the one shown by default.
	Programs       []ProgramConfig `yaml:"programs"`
	DefaultProgram string          `yaml:"default_program"`
	// Server configures covmon serve's HTTP API.
	Server ServerConfig `yaml:"server"`
	// Collector configures the scheduled jobs.
	Collector CollectorConfig `yaml:"collector"`
	// Alerts configures deadline alerts and their receivers (see alerts.go).
	Alerts AlertsConfig `yaml:"alerts"`
	// Ingest bounds the times files may name (docs/formats.md, "Parsing").
	Ingest IngestConfig `yaml:"ingest"`
	// Metrics configures /metrics.
	Metrics MetricsConfig `yaml:"metrics"`
	// Debug configures diagnostics for operators (off by default).
	Debug DebugConfig `yaml:"debug"`
}

// DefaultMemoryLimit is server.memory_limit's default, 768 MiB of Go memory: at 1M villages
// about 0.5 GiB is live at the peak (a whole computation of the snapshot beside the snapshot it
// replaces and the backfill), and without a limit the collector lets the heap reach twice
// that before it collects; with SQLite's caches and the writer's memory map serve then stays
// below 1.5 GiB (docs/benchmarks.md). Below it, a small registry is collected as by GOGC alone.
const DefaultMemoryLimit = 768 << 20

// DebugConfig configures diagnostics.
type DebugConfig struct {
	// Pprof, when set, is a loopback address (e.g. 127.0.0.1:6060) where covmon serve serves
	// Go's profiles (/debug/pprof/: goroutine dumps, CPU and heap profiles). Empty: off. Only
	// a loopback address is accepted: profiles show the process's internals to anyone who can
	// connect, without a token.
	Pprof string `yaml:"pprof"`
}

// IngestConfig bounds what an uploaded file may say, for every source alike.
type IngestConfig struct {
	// MinTime is the earliest date (YYYY-MM-DD, Vietnam) any date or instant in a file may
	// name; earlier is time_too_old. Empty means 2000-01-01.
	MinTime string `yaml:"min_time"`
	// FutureSkew is how far after the time of upload an observed_at may lie (default 10m).
	FutureSkew time.Duration `yaml:"future_skew"`
}

// minTime parses ingest.min_time; the zero time means the decoders' default.
func (c IngestConfig) minTime() (time.Time, error) {
	if c.MinTime == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, c.MinTime, geo.Vietnam)
}

// MetricsConfig configures /metrics.
type MetricsConfig struct {
	// MaxVillageSeries caps the open villages given per-village series, most overdue first
	// (default 2000; 0: none). The aggregates always count every village.
	MaxVillageSeries int `yaml:"max_village_series"`
}

// ServerConfig configures the HTTP API.
type ServerConfig struct {
	// Listen is the address (default 127.0.0.1:8080; flag --listen).
	Listen string `yaml:"listen"`
	// ExternalURL is how people reach covmon (behind a proxy, say), for links in alerts;
	// default http://<listen>.
	ExternalURL string `yaml:"external_url"`
	// PublicRead lets anyone read villages and the summary without a token (default true).
	PublicRead bool `yaml:"public_read"`
	// MaxBodyBytes and MaxUnzippedBytes limit an upload as sent and decompressed.
	MaxBodyBytes     int64         `yaml:"max_body_bytes"`
	MaxUnzippedBytes int64         `yaml:"max_unzipped_bytes"`
	RequestTimeout   time.Duration `yaml:"request_timeout"`
	// Upload admission (docs/security.md): decode slots in all and per uploader, bodies in
	// reception per uploader, and the rate a body must keep up.
	MaxConcurrentUploads  int           `yaml:"max_concurrent_uploads"`
	MaxUploadsPerUploader int           `yaml:"max_uploads_per_uploader"`
	MaxPendingPerUploader int           `yaml:"max_pending_per_uploader"`
	MinUploadRate         int64         `yaml:"min_upload_rate"`
	UploadIdleTimeout     time.Duration `yaml:"upload_idle_timeout"`
	// MemoryLimit is covmon serve's soft limit of the Go runtime's memory in bytes
	// (runtime/debug.SetMemoryLimit; default 768 MiB; 0: none, the garbage collector then lets the
	// heap grow to twice what is live). A GOMEMLIMIT in the environment wins. SQLite's page
	// caches and the writer's memory map are outside it (docs/deployment.md).
	MemoryLimit int64 `yaml:"memory_limit"`
}

// CollectorConfig configures the scheduled jobs.
type CollectorConfig struct {
	// Inbox is the drop folder (empty: none); see collector.Inbox for its layout.
	Inbox      string        `yaml:"inbox"`
	InboxEvery time.Duration `yaml:"inbox_every"`
	Settle     time.Duration `yaml:"settle"`
	Feeds      []FeedConfig  `yaml:"feeds"`
	FeedEvery  time.Duration `yaml:"feed_every"`
	// FeedTimeout bounds one pull of one feed, body included (collector.Fetcher.Timeout): a
	// feed that trickles its body fails at it, nothing stored.
	FeedTimeout time.Duration `yaml:"feed_timeout"`
	// FeedNetwork is the feeds' address policy (collector.NetPolicy): loopback and link-local
	// addresses are refused unless allowed here.
	FeedNetwork  FeedNetworkConfig `yaml:"feed_network"`
	RefreshEvery time.Duration     `yaml:"refresh_every"`
	// MinFullRefreshInterval is the least time from the end of one whole computation of the
	// snapshot to the start of one that uploads owe (observed after the snapshot's instant,
	// more rows than are evaluated per village, a carrier's plans; collector.Runner's
	// MinFullRefresh); 0: none, each runs at once.
	MinFullRefreshInterval time.Duration `yaml:"min_full_refresh_interval"`
	// WarmStartMaxAge is the oldest snapshot covmon serve persisted that its next start serves
	// at once (computed from exactly today's data and configuration, the same day in Vietnam;
	// collector.Runner.WarmStart); 0 turns the warm start, and the persisting, off.
	WarmStartMaxAge time.Duration `yaml:"warm_start_max_age"`
}

// FeedConfig is a URL pulled on a schedule.
type FeedConfig struct {
	Name    string `yaml:"name"`
	URL     string `yaml:"url"`
	Carrier string `yaml:"carrier"`
	Kind    string `yaml:"kind"`
	// RedirectHosts are hosts the feed may redirect to besides its own.
	RedirectHosts []string `yaml:"redirect_hosts"`
}

// FeedNetworkConfig mirrors collector.NetPolicy in file form.
type FeedNetworkConfig struct {
	AllowLoopback  bool `yaml:"allow_loopback"`
	AllowLinkLocal bool `yaml:"allow_link_local"`
}

// NetPolicy returns the feeds' address policy.
func (c *CollectorConfig) NetPolicy() collector.NetPolicy {
	return collector.NetPolicy{AllowLoopback: c.FeedNetwork.AllowLoopback, AllowLinkLocal: c.FeedNetwork.AllowLinkLocal}
}

// carrierName is what a carrier may be called: it names the carrier's drop folder, so no
// path separators, no dots first, nothing a shell or a log would mangle.
var carrierName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// PolicyConfig mirrors geo.Policy in file form.
type PolicyConfig struct {
	MinTechnology string  `yaml:"min_technology"`
	MinRSRPdBm    float64 `yaml:"min_rsrp_dbm"`
	FastDLMbps    float64 `yaml:"fast_dl_mbps"`
}

// ProgramConfig mirrors geo.Program in file form.
type ProgramConfig struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Deadline is a date (00:00 Vietnam time) or an RFC 3339 instant.
	Deadline    When `yaml:"deadline"`
	PoweredOnly bool `yaml:"powered_only"`
	// LateEntryGrace is the days a village entering the scope late (power arrived, or found,
	// after the cut-off) has from its entry date (default 365; see docs/figures.md).
	LateEntryGrace *int `yaml:"late_entry_grace"`
	// Overrides set deadlines for this program only: dates (YYYY-MM-DD, 00:00 Vietnam time)
	// by province code and by village ID. A village override beats a province override.
	Overrides OverridesConfig `yaml:"overrides"`
	// Policies are the program's own signal policies by effective date (ascending). Before
	// the first, and for a program without any, the top-level policy applies; a field a
	// version leaves out keeps the top-level value.
	Policies []PolicyVersionConfig `yaml:"policies"`
	// Trust is how far the program trusts carrier claims: "claims" (the default: a claim of
	// signal counts) or "verified" (it counts once an independent measurement at or after it
	// confirms it). See docs/figures.md.
	Trust string `yaml:"trust"`
	// DiscrepancyMaxAge is the days an independent measurement may be old, at the as-of
	// instant, and still flag a claim it contradicts (default 180).
	DiscrepancyMaxAge *int `yaml:"discrepancy_max_age"`
}

// When is a date or an instant of the configuration, read by parseWhen: a date (YYYY-MM-DD)
// is 00:00 Vietnam time, like every date covmon reads (overrides, policies' effective dates,
// --as-of, the registry's deadlines); an instant is RFC 3339 with its offset. YAML alone
// reads a bare date as 00:00 UTC — 07:00 in Vietnam, so "deadline: 2024-12-01" counted
// nothing overdue until 07:00 — and refuses a quoted one.
type When struct{ time.Time }

// UnmarshalYAML reads a date or an RFC 3339 instant; null leaves the zero time (Validate
// then says the field is required).
func (w *When) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		w.Time = time.Time{}
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want YYYY-MM-DD or an RFC 3339 instant", n.Line)
	}
	t, err := parseWhen(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	w.Time = t
	return nil
}

// OverridesConfig holds a program's deadline overrides.
type OverridesConfig struct {
	Provinces map[string]string `yaml:"provinces"`
	Villages  map[string]string `yaml:"villages"`
}

// defaultLateEntryGraceDays is ProgramConfig.LateEntryGrace's default.
const defaultLateEntryGraceDays = 365

// overrideDates parses a program's override dates; field names the map for errors.
func overrideDates(field string, m map[string]string) (map[string]time.Time, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]time.Time, len(m))
	for k, s := range m {
		t, err := time.ParseInLocation(time.DateOnly, s, geo.Vietnam)
		if err != nil {
			return nil, &ConfigError{field + "." + k, s, fmt.Errorf("%w: want a date YYYY-MM-DD", ErrInvalidValue)}
		}
		out[k] = t
	}
	return out, nil
}

// PolicyVersionConfig is one dated signal policy of a program.
type PolicyVersionConfig struct {
	// Effective is a date (00:00 in Vietnam) or an RFC 3339 instant.
	Effective     string   `yaml:"effective"`
	MinTechnology string   `yaml:"min_technology"`
	MinRSRPdBm    *float64 `yaml:"min_rsrp_dbm"`
	FastDLMbps    *float64 `yaml:"fast_dl_mbps"`
}

// DefaultConfig returns the configuration covmon runs with when there is no file.
func DefaultConfig() Config {
	p := geo.DefaultPolicy()
	prog := geo.DefaultProgram()
	return Config{
		Database: "covmon.db",
		Carriers: slices.Clone(geo.DefaultCarriers),
		Policy:   PolicyConfig{MinTechnology: p.MinTechnology.String(), MinRSRPdBm: p.MinRSRPdBm, FastDLMbps: p.FastDLMbps},
		Programs: []ProgramConfig{{ID: prog.ID, Name: prog.Name, Deadline: When{prog.Deadline}, PoweredOnly: prog.PoweredOnly}},

		DefaultProgram: prog.ID,
		Server: ServerConfig{Listen: "127.0.0.1:8080", PublicRead: true, MaxBodyBytes: 64 << 20, MaxUnzippedBytes: 512 << 20, RequestTimeout: 5 * time.Minute,
			MaxConcurrentUploads: 4, MaxUploadsPerUploader: 2, MaxPendingPerUploader: 4, MinUploadRate: 10 << 10, UploadIdleTimeout: 30 * time.Second,
			MemoryLimit: DefaultMemoryLimit},
		Collector: CollectorConfig{InboxEvery: time.Minute, Settle: 30 * time.Second, FeedEvery: 15 * time.Minute, FeedTimeout: collector.DefaultFeedTimeout,
			RefreshEvery: 5 * time.Minute, MinFullRefreshInterval: collector.DefaultMinFullRefresh, WarmStartMaxAge: collector.DefaultWarmMaxAge},
		Alerts:  DefaultAlertsConfig(),
		Metrics: MetricsConfig{MaxVillageSeries: metrics.DefaultMaxVillageSeries},
	}
}

// ParseConfig reads YAML over c's current values, strictly: unknown keys are errors.
func ParseConfig(r io.Reader, c *Config) error {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("parse config: %w", err)
	}
	return nil
}

// ConfigError names the configuration field that is wrong.
type ConfigError struct {
	Field string
	Value any
	Err   error
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("config: %s: %v (got %v)", e.Field, e.Err, e.Value)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Configuration errors.
var (
	ErrRequired     = errors.New("required")
	ErrInvalidValue = errors.New("invalid value")
)

// Validate checks c and returns the first *ConfigError.
func (c *Config) Validate() error {
	if c.Database == "" {
		return &ConfigError{"database", c.Database, ErrRequired}
	}
	if len(c.Carriers) == 0 {
		return &ConfigError{"carriers", c.Carriers, ErrRequired}
	}
	for i, cr := range c.Carriers {
		if cr == "" || slices.Contains(c.Carriers[:i], cr) {
			return &ConfigError{fmt.Sprintf("carriers[%d]", i), cr, fmt.Errorf("%w: empty or repeated", ErrInvalidValue)}
		}
		if !carrierName.MatchString(cr) || cr == collector.RegistryFolder {
			return &ConfigError{fmt.Sprintf("carriers[%d]", i), cr, fmt.Errorf("%w: want lower-case letters, digits, - or _ (at most 32; it names the carrier's drop folder), and not %q", ErrInvalidValue, collector.RegistryFolder)}
		}
		if cr == collector.InspectorFolder {
			// inbox/inspector/ is the inspectors' folder: a carrier of that name would have its
			// claims read as independent measurements of itself.
			return &ConfigError{fmt.Sprintf("carriers[%d]", i), cr, fmt.Errorf("%w: %q names the inspectors' drop folder (inbox/%s/, independent measurements); rename the carrier", ErrInvalidValue, cr, collector.InspectorFolder)}
		}
	}
	if _, err := c.Ingest.minTime(); err != nil {
		return &ConfigError{"ingest.min_time", c.Ingest.MinTime, fmt.Errorf("%w: want a date YYYY-MM-DD", ErrInvalidValue)}
	}
	if c.Ingest.FutureSkew < 0 {
		return &ConfigError{"ingest.future_skew", c.Ingest.FutureSkew, fmt.Errorf("%w: want a duration of 0 or more", ErrInvalidValue)}
	}
	if _, ok := geo.ParseTechnology(c.Policy.MinTechnology); !ok {
		return &ConfigError{"policy.min_technology", c.Policy.MinTechnology, fmt.Errorf("%w: want 2g, 3g, 4g or 5g", ErrInvalidValue)}
	}
	if c.Policy.MinRSRPdBm < -160 || c.Policy.MinRSRPdBm > -30 {
		return &ConfigError{"policy.min_rsrp_dbm", c.Policy.MinRSRPdBm, fmt.Errorf("%w: want -160..-30", ErrInvalidValue)}
	}
	if c.Policy.FastDLMbps < 0 {
		return &ConfigError{"policy.fast_dl_mbps", c.Policy.FastDLMbps, fmt.Errorf("%w: negative", ErrInvalidValue)}
	}
	if len(c.Programs) == 0 {
		return &ConfigError{"programs", c.Programs, ErrRequired}
	}
	for i, p := range c.Programs {
		switch {
		case p.ID == "":
			return &ConfigError{fmt.Sprintf("programs[%d].id", i), p.ID, ErrRequired}
		case p.Deadline.IsZero():
			return &ConfigError{fmt.Sprintf("programs[%d].deadline", i), p.Deadline, ErrRequired}
		case p.LateEntryGrace != nil && (*p.LateEntryGrace < 0 || *p.LateEntryGrace > 3650):
			return &ConfigError{fmt.Sprintf("programs[%d].late_entry_grace", i), *p.LateEntryGrace, fmt.Errorf("%w: want 0..3650 days", ErrInvalidValue)}
		case p.DiscrepancyMaxAge != nil && (*p.DiscrepancyMaxAge < 1 || *p.DiscrepancyMaxAge > 3650):
			return &ConfigError{fmt.Sprintf("programs[%d].discrepancy_max_age", i), *p.DiscrepancyMaxAge, fmt.Errorf("%w: want 1..3650 days", ErrInvalidValue)}
		}
		if _, err := geo.ParseTrust(p.Trust); err != nil {
			return &ConfigError{fmt.Sprintf("programs[%d].trust", i), p.Trust, fmt.Errorf("%w: want claims or verified", ErrInvalidValue)}
		}
		for code := range p.Overrides.Provinces {
			if len(code) != 2 || strings.Trim(code, "0123456789") != "" {
				return &ConfigError{fmt.Sprintf("programs[%d].overrides.provinces", i), code, fmt.Errorf("%w: want a 2-digit province code", ErrInvalidValue)}
			}
		}
		if _, err := overrideDates(fmt.Sprintf("programs[%d].overrides.provinces", i), p.Overrides.Provinces); err != nil {
			return err
		}
		if _, err := overrideDates(fmt.Sprintf("programs[%d].overrides.villages", i), p.Overrides.Villages); err != nil {
			return err
		}
		var prev time.Time
		for j, v := range p.Policies {
			field := fmt.Sprintf("programs[%d].policies[%d]", i, j)
			at, err := parseWhen(v.Effective)
			switch {
			case v.Effective == "":
				return &ConfigError{field + ".effective", v.Effective, ErrRequired}
			case err != nil:
				return &ConfigError{field + ".effective", v.Effective, fmt.Errorf("%w: %v", ErrInvalidValue, err)}
			case j > 0 && !at.After(prev):
				return &ConfigError{field + ".effective", v.Effective, fmt.Errorf("%w: not after the previous version's", ErrInvalidValue)}
			}
			prev = at
			if _, ok := geo.ParseTechnology(v.MinTechnology); v.MinTechnology != "" && !ok {
				return &ConfigError{field + ".min_technology", v.MinTechnology, fmt.Errorf("%w: want 2g, 3g, 4g or 5g", ErrInvalidValue)}
			}
			if v.MinRSRPdBm != nil && (*v.MinRSRPdBm < -160 || *v.MinRSRPdBm > -30) {
				return &ConfigError{field + ".min_rsrp_dbm", *v.MinRSRPdBm, fmt.Errorf("%w: want -160..-30", ErrInvalidValue)}
			}
			if v.FastDLMbps != nil && *v.FastDLMbps < 0 {
				return &ConfigError{field + ".fast_dl_mbps", *v.FastDLMbps, fmt.Errorf("%w: negative", ErrInvalidValue)}
			}
		}
	}
	if _, err := c.Program(c.DefaultProgram); err != nil {
		return &ConfigError{"default_program", c.DefaultProgram, fmt.Errorf("%w: not among programs", ErrInvalidValue)}
	}
	if c.Server.Listen == "" {
		return &ConfigError{"server.listen", c.Server.Listen, ErrRequired}
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"server.request_timeout", c.Server.RequestTimeout}, {"collector.inbox_every", c.Collector.InboxEvery},
		{"collector.feed_every", c.Collector.FeedEvery}, {"collector.feed_timeout", c.Collector.FeedTimeout},
		{"collector.refresh_every", c.Collector.RefreshEvery}} {
		if d.v < time.Second {
			return &ConfigError{d.field, d.v, fmt.Errorf("%w: want at least 1s", ErrInvalidValue)}
		}
	}
	if c.Collector.MinFullRefreshInterval < 0 {
		return &ConfigError{"collector.min_full_refresh_interval", c.Collector.MinFullRefreshInterval, fmt.Errorf("%w: want 0 (none) or a positive duration", ErrInvalidValue)}
	}
	if c.Collector.WarmStartMaxAge < 0 {
		return &ConfigError{"collector.warm_start_max_age", c.Collector.WarmStartMaxAge, fmt.Errorf("%w: want 0 (off) or a positive duration", ErrInvalidValue)}
	}
	for _, n := range []struct {
		field string
		v     int64
	}{{"server.max_concurrent_uploads", int64(c.Server.MaxConcurrentUploads)}, {"server.max_uploads_per_uploader", int64(c.Server.MaxUploadsPerUploader)},
		{"server.max_pending_per_uploader", int64(c.Server.MaxPendingPerUploader)}, {"server.min_upload_rate", c.Server.MinUploadRate}} {
		if n.v <= 0 {
			return &ConfigError{n.field, n.v, fmt.Errorf("%w: want a positive number", ErrInvalidValue)}
		}
	}
	if c.Server.MaxUploadsPerUploader > c.Server.MaxConcurrentUploads {
		return &ConfigError{"server.max_uploads_per_uploader", c.Server.MaxUploadsPerUploader, fmt.Errorf("%w: more than server.max_concurrent_uploads", ErrInvalidValue)}
	}
	if err := checkLoopback(c.Debug.Pprof); err != nil {
		return &ConfigError{"debug.pprof", c.Debug.Pprof, fmt.Errorf("%w: %w", ErrInvalidValue, err)}
	}
	if c.Metrics.MaxVillageSeries < 0 {
		return &ConfigError{"metrics.max_village_series", c.Metrics.MaxVillageSeries, fmt.Errorf("%w: want 0 or more", ErrInvalidValue)}
	}
	if c.Server.UploadIdleTimeout < time.Second {
		return &ConfigError{"server.upload_idle_timeout", c.Server.UploadIdleTimeout, fmt.Errorf("%w: want at least 1s", ErrInvalidValue)}
	}
	if c.Server.MemoryLimit < 0 {
		return &ConfigError{"server.memory_limit", c.Server.MemoryLimit, fmt.Errorf("%w: want 0 (none) or a number of bytes", ErrInvalidValue)}
	}
	if c.Server.MaxBodyBytes <= 0 || c.Server.MaxUnzippedBytes <= 0 {
		return &ConfigError{"server.max_body_bytes", c.Server.MaxBodyBytes, fmt.Errorf("%w: limits must be positive", ErrInvalidValue)}
	}
	policy := c.Collector.NetPolicy()
	for i, f := range c.Collector.Feeds {
		field := fmt.Sprintf("collector.feeds[%d]", i)
		if f.URL != "" && !strings.HasPrefix(f.URL, "http://") && !strings.HasPrefix(f.URL, "https://") {
			return &ConfigError{field + ".url", collector.RedactURL(f.URL), fmt.Errorf("%w: want an http or https URL", ErrInvalidValue)}
		}
		if err := policy.CheckURL(f.URL); err != nil {
			return &ConfigError{field + ".url", collector.RedactURL(f.URL), fmt.Errorf("%w: %w", ErrInvalidValue, err)}
		}
		for j, h := range f.RedirectHosts {
			if h == "" || strings.ContainsAny(h, "/:@ ") {
				return &ConfigError{fmt.Sprintf("%s.redirect_hosts[%d]", field, j), h, fmt.Errorf("%w: want a host name, without scheme or port", ErrInvalidValue)}
			}
			if err := policy.CheckURL("https://" + h + "/"); err != nil {
				return &ConfigError{fmt.Sprintf("%s.redirect_hosts[%d]", field, j), h, fmt.Errorf("%w: %w", ErrInvalidValue, err)}
			}
		}
		switch {
		case f.Name == "":
			return &ConfigError{field + ".name", f.Name, ErrRequired}
		case slices.ContainsFunc(c.Collector.Feeds[:i], func(g FeedConfig) bool { return g.Name == f.Name }):
			// Its failures are counted under its name (covmon_feed_consecutive_failures): two
			// feeds of one name would share a count, one's success hiding the other's failure.
			return &ConfigError{field + ".name", f.Name, fmt.Errorf("%w: repeated: each feed's failures are counted under its name", ErrInvalidValue)}
		case f.Carrier == "" && f.Kind != string(geo.KindVillages):
			return &ConfigError{field + ".carrier", f.Carrier, ErrRequired}
		case f.Carrier != "" && !slices.Contains(c.Carriers, f.Carrier):
			return &ConfigError{field + ".carrier", f.Carrier, fmt.Errorf("%w: not among carriers", ErrInvalidValue)}
		case f.Kind != "" && f.Kind != string(geo.KindObservations) && f.Kind != string(geo.KindAreas) && f.Kind != string(geo.KindPlans) && f.Kind != string(geo.KindVillages):
			return &ConfigError{field + ".kind", f.Kind, fmt.Errorf("%w: want observations, areas, plans or villages", ErrInvalidValue)}
		}
	}
	// alerts: checked in alerts.go.
	if err := c.Alerts.validate(); err != nil {
		return err
	}
	return nil
}

// URL returns the external URL of the API: ExternalURL, else http://Listen ("" when the port
// is chosen at start).
func (s *ServerConfig) URL() string {
	switch {
	case s.ExternalURL != "":
		return s.ExternalURL
	case strings.HasSuffix(s.Listen, ":0"):
		return ""
	}
	return "http://" + s.Listen
}

// GeoPrograms returns every configured program, the default first.
func (c *Config) GeoPrograms() []geo.Program {
	def, _ := c.Program("")
	out := []geo.Program{*def}
	for _, p := range c.Programs {
		if p.ID != def.ID {
			q, _ := c.Program(p.ID)
			out = append(out, *q)
		}
	}
	return out
}

// GeoPolicy returns the geo.Policy the configuration describes. Call after Validate.
func (c *Config) GeoPolicy() geo.Policy {
	t, _ := geo.ParseTechnology(c.Policy.MinTechnology)
	return geo.Policy{MinTechnology: t, MinRSRPdBm: c.Policy.MinRSRPdBm, FastDLMbps: c.Policy.FastDLMbps, Carriers: slices.Clone(c.Carriers)}
}

// policies returns program p's signal policies: the top-level policy from the beginning,
// then p's own versions, each field a version leaves out keeping the top-level value. Call
// after Validate.
func (c *Config) policies(p ProgramConfig) []geo.PolicyVersion {
	top := c.GeoPolicy()
	out := []geo.PolicyVersion{{Policy: top}}
	for _, v := range p.Policies {
		at, _ := parseWhen(v.Effective)
		pol := top
		pol.Carriers = slices.Clone(top.Carriers)
		if t, ok := geo.ParseTechnology(v.MinTechnology); ok {
			pol.MinTechnology = t
		}
		if v.MinRSRPdBm != nil {
			pol.MinRSRPdBm = *v.MinRSRPdBm
		}
		if v.FastDLMbps != nil {
			pol.FastDLMbps = *v.FastDLMbps
		}
		out = append(out, geo.PolicyVersion{Effective: at, Policy: pol})
	}
	return out
}

// Program returns the program with the given ID ("" for the default program).
func (c *Config) Program(id string) (*geo.Program, error) {
	if id == "" {
		id = c.DefaultProgram
	}
	for _, p := range c.Programs {
		if p.ID == id {
			grace := defaultLateEntryGraceDays
			if p.LateEntryGrace != nil {
				grace = *p.LateEntryGrace
			}
			prov, _ := overrideDates("", p.Overrides.Provinces)
			vill, _ := overrideDates("", p.Overrides.Villages)
			trust, _ := geo.ParseTrust(p.Trust)
			maxAge := geo.DefaultEvidenceMaxAge
			if p.DiscrepancyMaxAge != nil {
				maxAge = time.Duration(*p.DiscrepancyMaxAge) * 24 * time.Hour
			}
			return &geo.Program{ID: p.ID, Name: p.Name, Deadline: p.Deadline.Time, PoweredOnly: p.PoweredOnly,
				LateEntryGrace: time.Duration(grace) * 24 * time.Hour, ProvinceDeadlines: prov, VillageDeadlines: vill, Policies: c.policies(p),
				Trust: trust, EvidenceMaxAge: maxAge}, nil
		}
	}
	return nil, fmt.Errorf("program %q: %w", id, geo.ErrNotFound)
}

// checkLoopback accepts "" or a host:port whose host is a loopback IP address or localhost.
func checkLoopback(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return errors.New("want a loopback address (127.0.0.1 or [::1]): profiles have no access control")
	}
	return nil
}
