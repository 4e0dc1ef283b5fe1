package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// pageShots, when set, is the folder the browser test writes its screenshots to
// (go test ./cmd/covmon -run TestPage -page-screenshots ../../docs).
var pageShots = flag.String("page-screenshots", "", "write the status page's screenshots (page-desktop.png, page-phone.png) to `dir`")

// chromium finds Debian's chromium. Missing, the test fails in CI (CI set: .ci/run installs
// it) and is skipped loudly elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: the status page's browser test needs it (.ci/run installs Debian's chromium)")
	}
	t.Skip("SKIPPED: chromium is not installed, so the status page was NOT tested in a browser (apt-get install chromium; in CI this fails)")
	return ""
}

// browser is a headless chromium tab that records every request and script error.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string
	errors   []string
}

func newBrowser(t *testing.T, exe string, w, h int, mobile bool) *browser {
	t.Helper()
	return newBrowserLang(t, exe, "vi-VN", w, h, mobile)
}

// newBrowserLang is newBrowser with the browser's locale lang (en-US writes dates mm/dd/yyyy in
// a date input).
func newBrowserLang(t *testing.T, exe, lang string, w, h int, mobile bool) *browser {
	t.Helper()
	// Bounds the browser's whole test, waits included (each up to e2eWait): a bound for a loaded
	// machine under -race, not a speed.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(w, h), chromedp.Flag("lang", lang), chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return watch(t, bctx, w, h, mobile)
}

// newTab opens another tab in b's browser (cheaper than another browser).
func (b *browser) newTab(t *testing.T, w, h int, mobile bool) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	return watch(t, ctx, w, h, mobile)
}

// watch records the requests and script errors of the tab of ctx and sets its viewport.
func watch(t *testing.T, bctx context.Context, w, h int, mobile bool) *browser {
	t.Helper()
	b := &browser{ctx: bctx}
	err := chromedp.Listen(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			b.errors = append(b.errors, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber+1, msg))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, "console.error: "+strings.Join(parts, " "))
			}
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	opts := []chromedp.EmulateViewportOption{}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(int64(w), int64(h), opts...)); err != nil {
		t.Fatal(err)
	}
	return b
}

// open loads the page and waits until it has drawn the villages.
func (b *browser) open(t *testing.T, u string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
	b.waitReady(t)
}

func (b *browser) waitReady(t *testing.T) {
	t.Helper()
	state, err := chromedp.Run(b.ctx, chromedp.Poll[string](`document.body.dataset.state !== "loading" && document.body.dataset.state`,
		chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil || state != "ready" {
		t.Fatalf("page not ready (state %q): %v; script errors: %v", state, err, b.scriptErrors())
	}
	// Two animation frames: the canvas has drawn what the state says.
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
}

func (b *browser) scriptErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func text(t *testing.T, b *browser, id string) string {
	t.Helper()
	return eval[string](t, b, `document.getElementById(`+strconv.Quote(id)+`).textContent`)
}

// chooseDate sets a date input by script, as a person's typing or picking would end, whatever
// the locale shows (dd/mm/yyyy, mm/dd/yyyy): the value is always YYYY-MM-DD; input and change
// events follow. It waits for the page to redraw.
func (b *browser) chooseDate(t *testing.T, id, value string) {
	t.Helper()
	eval[bool](t, b, fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q;
		s.dispatchEvent(new Event("input", {bubbles: true})); s.dispatchEvent(new Event("change", {bubbles: true}));
		return s.value === %q; })()`, id, value, value))
	b.waitReady(t)
}

// choose selects value in a filter and waits for the page to redraw.
func (b *browser) choose(t *testing.T, id, value string) {
	t.Helper()
	eval[bool](t, b, fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change")); return s.value === %q; })()`, id, value, value))
	b.waitReady(t)
}

func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := *pageShots
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

type apiFeature struct {
	Properties struct {
		ID           string `json:"village_id"`
		Name         string `json:"name"`
		ProvinceCode string `json:"province_code"`
		Status       string `json:"status"`
		Overdue      bool   `json:"overdue"`
		Responsible  string `json:"responsible_carrier"`
		Step         string `json:"lifecycle_step"`
		StepSince    string `json:"lifecycle_since"`
	} `json:"properties"`
}

func villagesAPI(t *testing.T, base, query string) []apiFeature {
	t.Helper()
	r := do(t, "GET", base+"/api/v1/villages?"+query, "", "", nil)
	if r.status != 200 {
		t.Fatalf("villages?%s: %d %s", query, r.status, r.body)
	}
	var fc struct{ Features []apiFeature }
	if err := json.Unmarshal(r.body, &fc); err != nil {
		t.Fatal(err)
	}
	return fc.Features
}

// TestPage_Browser drives the status page in headless chromium against covmon serve with the
// seeds: the map draws every village the API returns, the figures are the API's, the filters
// change both, a click on a village opens its history, and the page asks nothing of any other
// host.
func TestPage_Browser(t *testing.T) {
	t.Parallel() // its own server and database: runs beside the CSV test
	exe := chromium(t)
	db := seededDB(t)
	// A day recorded by an earlier run of covmon serve, 2026-09-15: the backfill at start
	// writes the months after it it did not record (2026-10-01, 2026-11-01) between it and
	// today's, as after a month covmon did not run (BurndownRecordedAndBackfilled).
	store := sqlite.NewDB(db)
	if err := store.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	err := store.SaveDailyFigures(t.Context(), []geo.DailyFigure{{Day: time.Date(2026, 9, 15, 0, 0, 0, 0, geo.Vietnam), ProgramID: "vls-2024",
		Counts: geo.Counts{Villages: 844, Baseline: 832, BaselineCovered: 780, DeadZone: 40, Overdue: 45}}})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := startServe(t, db)

	all := villagesAPI(t, s.url, "")
	overdue := villagesAPI(t, s.url, "status=overdue")
	national := do(t, "GET", s.url+"/api/v1/summary", "", "", nil).json(t)
	if len(all) < 800 || len(overdue) == 0 {
		t.Fatalf("seeds: %d villages, %d overdue", len(all), len(overdue))
	}

	b := newBrowser(t, exe, 1366, 900, false)
	b.open(t, s.url+"/")

	t.Run("Markers", func(t *testing.T) {
		if got := eval[int](t, b, `covmonPage.markerCount()`); got != len(all) {
			t.Errorf("map draws %d villages, the API returns %d", got, len(all))
		}
		if got := text(t, b, "shown-count"); got != strconv.Itoa(len(all)) {
			t.Errorf("page says %s villages on the map, want %d", got, len(all))
		}
		// The canvas really has coloured pixels of the overdue colour (#8b0000).
		n := eval[int](t, b, `(() => { const c = document.querySelector("#map canvas.leaflet-zoom-animated:last-of-type") || document.querySelector("#map canvas");
			const cs = [...document.querySelectorAll("#map canvas")]; let n = 0;
			for (const c of cs) { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
				for (let i = 0; i < d.length; i += 4) if (d[i] === 0x8b && d[i+1] === 0 && d[i+2] === 0) n++; }
			return n; })()`)
		if n == 0 {
			t.Error("no overdue-coloured pixel on the map's canvas")
		}
	})
	t.Run("Figures", func(t *testing.T) {
		checkFigures(t, b, national)
		notice := text(t, b, "notice")
		if !strings.Contains(notice, "SYNTHETIC DEMO DATA") || !strings.Contains(notice, "DỮ LIỆU MẪU") {
			t.Errorf("synthetic-data notice: %q", notice)
		}
		if got := eval[bool](t, b, `!document.getElementById("notice").hidden`); !got {
			t.Error("notice hidden")
		}
		if h := text(t, b, "times-note"); !strings.Contains(h, "UTC+7") {
			t.Errorf("times note %q", h)
		}
		checkLegendAgainstFigures(t, b)
	})

	t.Run("TooltipIsText", func(t *testing.T) {
		// A village's name is the registry's text, not HTML: a name with markup shows as
		// written in the marker's tooltip and runs nothing.
		got := eval[string](t, b, `(() => {
			let group = null, marker = null;
			covmonPage.map.eachLayer((l) => { if (l.getLayers && l.getTooltip && l.getTooltip()) group = l; });
			if (!group) return "no tooltip group";
			marker = group.getLayers().find((l) => l._map);
			marker.options.tip = '<img id="covmon-xss" src="x" onerror="window.covmonXSS=1">Bản <b>A</b>';
			marker.fire("mouseover", { latlng: marker.getLatLng() }, true); // as a pointer over it
			const tip = document.querySelector(".leaflet-tooltip");
			const out = (document.getElementById("covmon-xss") ? "markup ran: " : "") + (tip ? tip.textContent : "no tooltip");
			group.closeTooltip();
			return out;
		})()`)
		if want := `<img id="covmon-xss" src="x" onerror="window.covmonXSS=1">Bản <b>A</b>`; got != want {
			t.Errorf("tooltip %q, want the name as text %q", got, want)
		}
	})

	t.Run("Forecast", func(t *testing.T) {
		// covmon evaluates the forecast just after it starts: wait for it, then reload.
		forecast := func() map[string]any {
			f, _ := do(t, "GET", s.url+"/api/v1/summary", "", "", nil).json(t)["forecast"].(map[string]any)
			return f
		}
		waitUntil(t, "forecast evaluated", e2eWait, func() bool { f := forecast(); return f != nil && f["status"] != "not_evaluated" })
		before := forecast()
		b.open(t, s.url+"/")
		after := forecast() // an evaluation may have run in between: the page shows one of the two
		shown := eval[string](t, b, `document.getElementById("forecast").dataset.zeroAt`)
		status := eval[string](t, b, `document.getElementById("forecast").dataset.status`)
		var api map[string]any
		for _, f := range []map[string]any{before, after} {
			if z, _ := f["zero_at"].(string); z == shown && f["status"] == status {
				api = f
			}
		}
		if api == nil {
			t.Fatalf("page shows forecast %s %q, the API %v then %v", status, shown, before, after)
		}
		if status != "converging" {
			t.Fatalf("seeds: forecast %v, want converging (the seeds close dead zones every week)", api)
		}
		// The same figure as the metric, to the second. The metric may be one evaluation newer
		// than the API read before it, or one older: an evaluation keeps its forecast for the
		// API before it stores its alerts and then sets the metric, so a new snapshot's forecast
		// can be read from the API while the metric still has the previous one. Wait for the
		// metric to match the API read beside it, or one of those the page could have shown.
		var metricAt time.Time
		var latest map[string]any
		differ := ""
		waitUntil(t, "the forecast metric matches the API's zero_at", e2eWait, func() bool {
			metrics := string(do(t, "GET", s.url+"/metrics", "", "", nil).body)
			m := regexp.MustCompile(`(?m)^covmon_program_forecast_zero_timestamp_seconds\{program="vls-2024"\} (\S+)$`).FindStringSubmatch(metrics)
			metricAt = time.Time{} // absent (not set yet by the first evaluation)
			if m != nil {
				secs, _ := strconv.ParseFloat(m[1], 64)
				metricAt = time.Unix(int64(secs), 0)
			}
			latest = forecast()
			for _, f := range []map[string]any{before, after, latest} {
				if z, _ := f["zero_at"].(string); z != "" {
					if at, err := time.Parse(time.RFC3339, z); err == nil && at.Equal(metricAt) {
						return true
					}
				}
			}
			if msg := fmt.Sprintf("metric says %s, the API's zero_at %v / %v / %v", metricAt, before["zero_at"], after["zero_at"], latest["zero_at"]); msg != differ {
				t.Log(msg) // said once per change, before the wait fails
				differ = msg
			}
			return false
		})
		at, err := time.Parse(time.RFC3339, shown)
		if err != nil {
			t.Fatal(err)
		}
		want := at.In(time.FixedZone("UTC+7", 7*3600)).Format("02/01/2006")
		if got := text(t, b, "forecast-value"); !strings.HasPrefix(got, want) {
			t.Errorf("forecast shown as %q, want the API's %s as %s (Vietnam time)", got, shown, want)
		}
		if late := eval[bool](t, b, `!!document.querySelector("#forecast-value .late")`); late != api["misses_deadline"].(bool) {
			t.Errorf("page says late=%v, the API misses_deadline=%v", late, api["misses_deadline"])
		}
		// What is left is the open villages, never-reported ones included (the API's remaining).
		if got, want := text(t, b, "forecast-method"), fmt.Sprintf("Theil–Sen của %v số liệu tuần, cả nước: còn %v thôn chưa xong (trong phạm vi, chưa có sóng, kể cả thôn chưa từng báo cáo)", api["points"], api["remaining"]); !strings.Contains(got, want) {
			t.Errorf("method shown %q, want it to say %q", got, want)
		}
	})

	t.Run("BurndownRecordedAndBackfilled", func(t *testing.T) {
		// The burn-down draws the points backfilled later (the current view of their day)
		// dashed and the points recorded then solid. The backfill runs after start: wait until
		// the API has both kinds, then reload.
		var bd struct {
			Points []struct {
				Day                  string
				Recorded, Backfilled bool
			} `json:"points"`
		}
		counts := func() (recorded, backfilled int) {
			if err := json.Unmarshal(do(t, "GET", s.url+"/api/v1/burndown", "", "", nil).body, &bd); err != nil {
				t.Fatal(err)
			}
			for _, p := range bd.Points {
				if p.Recorded == p.Backfilled {
					t.Fatalf("a burn-down point both or neither recorded and backfilled: %+v", p)
				}
				if p.Recorded {
					recorded++
				} else {
					backfilled++
				}
			}
			return recorded, backfilled
		}
		// The page is read between two reads of the API that agree (points are only added: the
		// backfill writes its months, a new day after midnight in Vietnam adds one), so the
		// page drew the points counted.
		var rec, back int
		var got string
		waitUntil(t, "the burn-down has recorded and backfilled points, backfilled ones after the first recorded, unchanged while the page loads", e2eWait, func() bool {
			r, bf := counts()
			if r < 2 || bf == 0 || !bd.Points[len(bd.Points)-2].Backfilled {
				return false
			}
			b.open(t, s.url+"/")
			got = eval[string](t, b, `[...document.querySelectorAll("#burndown polyline")].map((l) => l.dataset.points + ":" + (l.getAttribute("stroke-dasharray") || "solid") + ":" + l.getAttribute("points").split(" ").length).join(",")`)
			rec, back = counts()
			return rec == r && back == bf
		})
		// Three lines (baseline left, dead zones, overdue), each drawn in time order as runs:
		// the backfilled months up to 2026-09-01 dashed to the day recorded on 2026-09-15, that
		// day alone solid, the backfilled 2026-10-01 and 2026-11-01 dashed from it to today's
		// recorded point, today's solid. The recorded points are never joined by a solid line
		// across the backfilled months.
		var days []string
		for _, p := range bd.Points {
			days = append(days, p.Day)
		}
		if !slices.Contains(days, "2026-09-15") || !slices.Contains(days, "2026-10-01") || !slices.Contains(days, "2026-11-01") || rec != 2 {
			t.Fatalf("burn-down points %v (%d recorded), want 2026-09-15 recorded, 2026-10-01 and 2026-11-01 backfilled, then today", days, rec)
		}
		one := fmt.Sprintf("backfilled:4 3:%d,recorded:solid:1,backfilled:4 3:4,recorded:solid:1", back-2+1)
		if want := one + "," + one + "," + one; got != want {
			t.Errorf("burn-down lines %s, want %s", got, want)
		}
		if note := text(t, b, "burndown-box"); !strings.Contains(note, "nét đứt") || !strings.Contains(note, "(dashed)") {
			t.Errorf("burn-down note does not say the backfilled points are dashed: %q", note)
		}
	})

	var clicked apiFeature
	t.Run("FilterStatus", func(t *testing.T) {
		b.choose(t, "f-status", "overdue")
		if got := eval[int](t, b, `covmonPage.markerCount()`); got != len(overdue) {
			t.Errorf("status=overdue: map draws %d, the API returns %d", got, len(overdue))
		}
		if got := text(t, b, "shown-count"); got != strconv.Itoa(len(overdue)) {
			t.Errorf("status=overdue: page says %s", got)
		}
		clicked = overdue[len(overdue)/2]
	})
	t.Run("FilterProvince", func(t *testing.T) {
		prov := clicked.Properties.ProvinceCode
		b.choose(t, "f-province", prov)
		want := villagesAPI(t, s.url, "status=overdue&province="+prov)
		if got := eval[int](t, b, `covmonPage.markerCount()`); got != len(want) || len(want) >= len(overdue) {
			t.Errorf("province %s, overdue: map draws %d, the API returns %d (of %d overdue)", prov, got, len(want), len(overdue))
		}
		checkFigures(t, b, do(t, "GET", s.url+"/api/v1/summary?province="+prov, "", "", nil).json(t))
	})
	t.Run("FilterResponsible", func(t *testing.T) {
		b.choose(t, "f-province", "")
		b.choose(t, "f-status", "")
		by := map[string]int{}
		for _, f := range all {
			by[f.Properties.Responsible]++
		}
		for c, want := range by {
			b.choose(t, "f-responsible", c)
			if got := eval[int](t, b, `covmonPage.markerCount()`); got != want {
				t.Errorf("responsible %q: map draws %d, the API's GeoJSON has %d", c, got, want)
			}
		}
		b.choose(t, "f-responsible", "")
		b.choose(t, "f-status", "overdue")
		b.choose(t, "f-province", clicked.Properties.ProvinceCode)
	})
	t.Run("FilterStep", func(t *testing.T) {
		// The lifecycle step filter keeps the villages at that step, as the API's GeoJSON
		// says, and a marker's tooltip shows its step and the step's date (UTC+7).
		b.choose(t, "f-province", "")
		b.choose(t, "f-status", "")
		by := map[string][]apiFeature{}
		for _, f := range all {
			if f.Properties.Step != "" {
				by[f.Properties.Step] = append(by[f.Properties.Step], f)
			}
		}
		if len(by["flagged"]) == 0 || len(by["on_air"]) == 0 {
			t.Fatalf("seeds: steps %v, want flagged and on_air villages at least", slices.Collect(maps.Keys(by)))
		}
		labels := do(t, "GET", s.url+"/api/v1/labels", "", "", nil).json(t)
		for step, fs := range by {
			b.choose(t, "f-step", step)
			if got := eval[int](t, b, `covmonPage.markerCount()`); got != len(fs) {
				t.Errorf("step %s: map draws %d, the API's GeoJSON has %d", step, got, len(fs))
			}
			f := fs[len(fs)/2].Properties
			tip := eval[string](t, b, fmt.Sprintf(`covmonPage.markerTip(%q)`, f.ID))
			l := labels["step."+step].(map[string]any)
			want := l["vi"].(string) + " / " + l["en"].(string)
			if f.StepSince != "" {
				at, err := time.Parse(time.RFC3339, f.StepSince)
				if err != nil {
					t.Fatal(err)
				}
				want += " " + at.In(time.FixedZone("UTC+7", 7*3600)).Format("02/01/2006")
			}
			if !strings.HasSuffix(tip, want) {
				t.Errorf("step %s: %s's tooltip %q, want it to end with %q", step, f.ID, tip, want)
			}
		}
		b.choose(t, "f-step", "")
		if got := eval[int](t, b, `covmonPage.markerCount()`); got != len(all) {
			t.Errorf("every step: map draws %d, want %d", got, len(all))
		}
		b.choose(t, "f-status", "overdue")
		b.choose(t, "f-province", clicked.Properties.ProvinceCode)
	})
	t.Run("ClickVillage", func(t *testing.T) {
		id := clicked.Properties.ID
		// Zoom in on the village so no neighbour covers it, then click where it is drawn.
		eval[bool](t, b, fmt.Sprintf(`(() => { const m = covmonPage.map; const p = covmonPage.markerLatLng(%q); m.setView(p, 13, {animate: false}); return true; })()`, id))
		b.waitReady(t)
		xy := eval[[]float64](t, b, fmt.Sprintf(`covmonPage.markerPoint(%q)`, id))
		if err := chromedp.Do(b.ctx, chromedp.MouseClickXY(xy[0], xy[1]), chromedp.WaitVisible(chromedp.ID("panel"))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById("panel").dataset.village === %q && document.querySelectorAll("#panel-history tr.obs").length > 0`, id),
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("panel of %s: %v (panel shows %q)", id, err, text(t, b, "panel-name"))
		}
		v := do(t, "GET", s.url+"/api/v1/villages/"+url.PathEscape(id), "", "", nil).json(t)
		obs := v["observations"].([]any)
		if got := eval[int](t, b, `document.querySelectorAll("#panel-history tr.obs").length`); got != len(obs) {
			t.Errorf("panel lists %d observations, the API %d", got, len(obs))
		}
		if got := text(t, b, "panel-name"); got != clicked.Properties.Name {
			t.Errorf("panel name %q, want %q", got, clicked.Properties.Name)
		}
		// The village's reason, as the API gives it, in the label table's words.
		labels := do(t, "GET", s.url+"/api/v1/labels", "", "", nil).json(t)
		reason, _ := v["reason"].(string)
		if reason == "" {
			t.Fatalf("village %s is overdue but the API gives no reason: %v", id, v)
		}
		l := labels["reason."+reason].(map[string]any)
		if got, want := eval[string](t, b, `document.querySelector('#panel-facts tr[data-field="reason"] td').textContent`), l["vi"].(string)+" / "+l["en"].(string); got != want {
			t.Errorf("reason shown %q, want %q (the API's %s)", got, want, reason)
		}
		// Provenance: every row names its upload and the day covmon received it (Vietnam time).
		first := eval[string](t, b, `document.querySelector("#panel-history tr.obs td:last-child").textContent`)
		newest := obs[len(obs)-1].(map[string]any)
		recv, _ := time.Parse(time.RFC3339, fmt.Sprint(newest["received_at"]))
		if want := fmt.Sprintf("#%v · %s", newest["upload_id"], recv.In(time.FixedZone("UTC+7", 7*3600)).Format("02/01/2006")); first != want {
			t.Errorf("provenance cell %q, want %q", first, want)
		}
		// Times are Vietnam time: the newest observation's date as the API gives it in +07:00.
		last := obs[len(obs)-1].(map[string]any)["observed_at"].(string)
		at, _ := time.Parse(time.RFC3339, last)
		want := at.In(time.FixedZone("UTC+7", 7*3600)).Format("02/01/2006 15:04")
		if got := eval[string](t, b, `document.querySelector("#panel-history tr.obs td").textContent`); got != want {
			t.Errorf("newest observation shown as %q, want %q (UTC+7)", got, want)
		}
	})
	t.Run("AsOf", func(t *testing.T) {
		b.choose(t, "f-province", "")
		b.choose(t, "f-status", "")
		// A browser whose locale writes dates mm/dd/yyyy: the date picker's value is what counts.
		us := newBrowserLang(t, exe, "en-US", 1024, 768, false)
		us.open(t, s.url+"/")
		if lang := eval[string](t, us, `navigator.language`); lang != "en-US" {
			t.Fatalf("browser locale %q, want en-US", lang)
		}
		us.chooseDate(t, "f-asof", "2022-08-01")
		asOf := do(t, "GET", s.url+"/api/v1/summary?as_of=2022-08-01", "", "", nil).json(t)
		checkFigures(t, us, asOf)
		if got := text(t, us, "fig-baseline-covered"); got != "477" {
			t.Errorf("as of 2022-08-01: %s baseline villages covered, the seeds' story says 477", got)
		}
		// 2022-08-01 00:00 to the deadline 2024-12-01 00:00 is 853 whole days, as covmon status says.
		if got := text(t, us, "fig-deadline"); !strings.Contains(got, "còn 853 ngày") || !strings.Contains(got, "in 853 days") {
			t.Errorf("as of 2022-08-01 the deadline line says %q, want 853 days left", got)
		}
		if got := text(t, us, "fig-asof"); !strings.Contains(got, "01/08/2022 00:00") {
			t.Errorf("headline says %q, want as of 01/08/2022 00:00 (the API's as_of %v in Vietnam time)", got, asOf["as_of"])
		}
		if _, has := asOf["forecast"]; has {
			t.Errorf("a summary as of a past date carries a forecast: %v", asOf["forecast"])
		}
		if got := eval[string](t, us, `document.getElementById("forecast").dataset.status`); got != "" {
			t.Errorf("as of 2022-08-01 the page shows a forecast (%s)", got)
		}
		// Back to today: the headline is the API's current one again.
		eval[bool](t, us, `(() => { document.getElementById("f-today").click(); return true; })()`)
		us.waitReady(t)
		checkFigures(t, us, do(t, "GET", s.url+"/api/v1/summary", "", "", nil).json(t))
		if errs := us.scriptErrors(); len(errs) > 0 {
			t.Errorf("en-US browser: script errors: %v", errs)
		}
	})
	t.Run("AsKnown", func(t *testing.T) {
		// The seeds were received when covmon seed ran (testNow, 2026-11-20): as known on
		// 2026-11-19 the registry was empty, as the API's audit view says, and the page says
		// which view its figures are in; unticked, the current view of the same date again.
		b.chooseDate(t, "f-asof", "2026-11-19")
		setChecked := func(on bool) {
			eval[bool](t, b, fmt.Sprintf(`(() => { const c = document.getElementById("f-asknown"); c.checked = %t;
				c.dispatchEvent(new Event("change")); return true; })()`, on))
			b.waitReady(t)
		}
		setChecked(true)
		known := do(t, "GET", s.url+"/api/v1/summary?as_of=2026-11-19&as_known=true", "", "", nil).json(t)
		if known["view"] != "as_known" || known["national"].(map[string]any)["villages"].(float64) != 0 {
			t.Fatalf("the API's audit view before the seeding: %v", known)
		}
		checkFigures(t, b, known)
		if hidden := eval[bool](t, b, `document.getElementById("fig-view").hidden`); hidden || !strings.Contains(text(t, b, "fig-view"), "As known then") {
			t.Errorf("the audit view's line: hidden %v, %q", hidden, text(t, b, "fig-view"))
		}
		// The forecast as known then: no weekly point knew a village before the seeding.
		if f, ok := known["forecast"].(map[string]any); !ok || f["view"] != "as_known" || f["status"] != "insufficient_history" {
			t.Errorf("the API's audit view before the seeding: forecast %v, want as_known, insufficient_history", known["forecast"])
		}
		if got := eval[string](t, b, `document.getElementById("forecast").dataset.status`); got != "insufficient_history" || !strings.Contains(text(t, b, "forecast-view"), "0 of 12 weeks known") {
			t.Errorf("the page's forecast as known then: status %q, %q", got, text(t, b, "forecast-view"))
		}
		setChecked(false)
		checkFigures(t, b, do(t, "GET", s.url+"/api/v1/summary?as_of=2026-11-19", "", "", nil).json(t))
		if !eval[bool](t, b, `document.getElementById("fig-view").hidden`) {
			t.Errorf("the current view shows the audit view's line %q", text(t, b, "fig-view"))
		}
		eval[bool](t, b, `(() => { document.getElementById("f-today").click(); return true; })()`)
		b.waitReady(t)
		if errs := b.scriptErrors(); len(errs) > 0 {
			t.Errorf("script errors: %v", errs)
		}

		// A link asks the same as the date and the box: /?as_of=2026-11-19&as_known=true.
		b.open(t, s.url+"/?as_of=2026-11-19&as_known=true")
		checkFigures(t, b, known)
		if !eval[bool](t, b, `document.getElementById("f-asknown").checked`) || eval[bool](t, b, `document.getElementById("fig-view").hidden`) {
			t.Errorf("/?as_of=2026-11-19&as_known=true: the box is not ticked or the audit view's line is hidden")
		}
		// A value the page cannot show is an error naming it, not today's current view.
		for _, c := range []struct{ query, want string }{
			{"as_known=yes", `as_known: want true or false, got "yes"`},
			{"as_of=2026-11-19T10:00:00%2B07:00", "as_of: the page takes a date YYYY-MM-DD"},
			{"as_of=2099-01-01&as_known=true", "as_of:"},                              // refused by the API
			{"as_of=2026-11-19&asknown=true", "asknown: not a parameter of the page"}, // misspelt: not the current view in silence
			{"as_of=2026-11-19&as_known=true&as_known=false", "as_known: given 2 times"},
		} {
			if err := chromedp.Do(b.ctx, chromedp.Navigate(s.url+"/?"+c.query)); err != nil {
				t.Fatal(err)
			}
			notice, err := chromedp.Run(b.ctx, chromedp.Poll[string](`document.body.dataset.state === "error" && document.getElementById("notice").textContent`,
				chromedp.WithPollingTimeout(60*time.Second)))
			if err != nil || !strings.Contains(notice, c.want) {
				t.Errorf("/?%s: notice %q (%v), want an error saying %q", c.query, notice, err, c.want)
			}
		}
		b.open(t, s.url+"/")
	})
	t.Run("Screenshot", func(t *testing.T) {
		eval[bool](t, b, `(() => { covmonPage.map.fitBounds([[7.5, 102.1], [23.4, 116.5]], {animate: false}); return true; })()`)
		b.waitReady(t)
		b.screenshot(t, "page-desktop.png")
		// The side with the panel closed, scrolled to the burn-down and the forecast beside it.
		eval[bool](t, b, `(() => { document.getElementById("panel").hidden = true;
			const side = document.getElementById("side"); side.scrollTop = side.scrollHeight; return true; })()`)
		b.waitReady(t)
		b.screenshot(t, "page-forecast.png")
	})
	t.Run("Phone", func(t *testing.T) {
		p := b.newTab(t, 390, 844, true)
		p.open(t, s.url+"/")
		if got := eval[int](t, p, `covmonPage.markerCount()`); got != len(all) {
			t.Errorf("phone: map draws %d villages, want %d", got, len(all))
		}
		if w := eval[int](t, p, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("phone: page is %d px wide, scrolls sideways", w)
		}
		p.screenshot(t, "page-phone.png")
		if errs := p.scriptErrors(); len(errs) > 0 {
			t.Errorf("phone: script errors: %v", errs)
		}
	})

	if errs := b.scriptErrors(); len(errs) > 0 {
		t.Errorf("script errors: %v", errs)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.requests) < 5 {
		t.Errorf("only %d requests seen: %v", len(b.requests), b.requests)
	}
	for _, u := range b.requests {
		if !strings.HasPrefix(u, s.url+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page asked another host: %s", u)
		}
	}
}

// checkFigures compares the page's headline figures with a summary from the API.
func checkFigures(t *testing.T, b *browser, sum map[string]any) {
	t.Helper()
	n := sum["national"].(map[string]any)
	for id, key := range map[string]string{
		"fig-baseline-covered": "baseline_covered", "fig-baseline": "baseline", "fig-dead-zone": "dead_zone",
		"fig-overdue": "overdue", "fig-no-power": "no_power", "fig-no-data": "no_data", "fig-covered": "covered",
		"fig-partial-area": "partial_area", "fig-found-later": "found_later", "fig-villages": "villages",
	} {
		if got, want := text(t, b, id), strconv.Itoa(int(n[key].(float64))); got != want {
			t.Errorf("%s = %s, the API's %s = %s", id, got, key, want)
		}
	}
}

// checkLegendAgainstFigures: a label shown both in the figures and in the map's legend counts
// the same villages. The legend's categories leave the overdue villages out of the others and
// the lõm sóng villages out of the covered, so a category that loses some says so. The legend
// said "Chưa có số liệu / No data 0" beside the figure "Chưa có số liệu / No data 5" (the
// seeds' 5 never-reported villages are overdue), and "Đã có sóng / Covered" one less than the
// figure for a village covered at its centre only.
func checkLegendAgainstFigures(t *testing.T, b *browser) {
	t.Helper()
	pairs := eval[[][]string](t, b, `(() => {
		const figs = new Map([...document.querySelectorAll("#counts tr")].map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
		return [...document.querySelectorAll("#legend li")].map((li) => {
			const lab = li.querySelector(".lab").textContent;
			return [lab, li.querySelector(".n").textContent, figs.has(lab) ? figs.get(lab) : ""];
		});
	})()`)
	if len(pairs) == 0 {
		t.Fatal("no legend")
	}
	for _, p := range pairs {
		if p[2] != "" && p[1] != p[2] {
			t.Errorf("%q is %s in the legend and %s in the figures", p[0], p[1], p[2])
		}
	}
}

// TestPage_LegendWithLomSong: with a village covered at its centre but not over its settled
// area (lõm sóng, from a coverage-area upload), the legend's covered category leaves it out and
// says so, and every label shown in both the legend and the figures has one count.
func TestPage_LegendWithLomSong(t *testing.T) {
	t.Parallel() // its own server and database
	exe := chromium(t)
	db := seededDB(t)
	mustRun(t, db, "villages", "import", writeFile(t, "extra.geojson", areasVillages))
	mustRun(t, db, "ingest", "--areas", "--carrier", "viettel", writeFile(t, "viettel-4g.geojson", areasDoc("2026-11-01", halfWest)))
	s := startServe(t, db)
	if n := do(t, "GET", s.url+"/api/v1/summary", "", "", nil).json(t)["national"].(map[string]any)["partial_area"].(float64); n != 1 {
		t.Fatalf("partial_area %v, want 1 (TA-HALF)", n)
	}
	b := newBrowser(t, exe, 1366, 900, false)
	b.open(t, s.url+"/")
	checkLegendAgainstFigures(t, b)
}

// TestPage_Pending: while a whole computation is owed to an upload the figures do not count (a
// carrier's plans, collector.min_full_refresh_interval not over), the page
// says, in Vietnamese and English, as of when its figures are, since when the computation is
// owed and by when it runs — the API summary's as_of and pending — and that the map (when the
// page loaded) and the CSV (when downloaded) are evaluated at their own instants. With nothing owed, and as of a past date, it says nothing of the kind.
func TestPage_Pending(t *testing.T) {
	t.Parallel() // its own server and database
	exe := chromium(t)
	db := seededDB(t)
	viettel := createToken(t, db, "--carrier", "viettel")
	cfg := writeFile(t, "covmon.yml", "collector: {refresh_every: 1h, min_full_refresh_interval: 1h}\n")
	s := startServe(t, db, "--config", cfg)
	pendingShown := func(b *browser) bool { return eval[bool](t, b, `!document.getElementById("fig-pending").hidden`) }

	b := newBrowser(t, exe, 1366, 900, false)
	b.open(t, s.url+"/")
	if pendingShown(b) {
		t.Fatalf("nothing owed, yet the page says %q", text(t, b, "fig-pending"))
	}

	// Viettel re-plans V04-0004: a carrier's plans owe a whole computation (any village's
	// lifecycle step may read them), which waits for the interval (an hour).
	plan := `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V04-0004","program":"vls-2024","site_id":"VTL-04-0200","target_on_air":"2026-12-31","progress":"planned","planned_at":"2026-06-01"}}]}`
	if r := do(t, "POST", s.url+"/api/v1/uploads?kind=plans&name=plans.geojson", viettel, "application/geo+json", strings.NewReader(plan)); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	var sum map[string]any
	waitUntil(t, "the summary says a computation is owed", e2eWait, func() bool {
		sum = do(t, "GET", s.url+"/api/v1/summary", "", "", nil).json(t)
		return sum["pending"] != nil
	})
	pending := sum["pending"].(map[string]any)
	vn := func(iso string) string {
		at, err := time.Parse(time.RFC3339, iso)
		if err != nil {
			t.Fatalf("%q: %v", iso, err)
		}
		return at.In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006 15:04")
	}

	// The map's list is evaluated when the page loads, to the minute; the lists fetched just
	// before and just after bracket it (minutes may turn between them on a loaded machine).
	mapAsOf := func() time.Time {
		iso := do(t, "GET", s.url+"/api/v1/villages?limit=1", "", "", nil).json(t)["as_of"].(string)
		at, err := time.Parse(time.RFC3339, iso)
		if err != nil {
			t.Fatalf("as_of %q: %v", iso, err)
		}
		return at
	}
	before := mapAsOf()
	b.open(t, s.url+"/")
	after := mapAsOf()
	if !pendingShown(b) {
		t.Fatalf("the summary says pending %v, the page says nothing", pending)
	}
	got := text(t, b, "fig-pending")
	for _, want := range []string{
		"Đang chờ tính lại: số liệu trên tính đến " + vn(sum["as_of"].(string)),
		"chưa gồm các báo cáo nhận từ " + vn(pending["since"].(string)),
		"tính lại toàn bộ chậm nhất lúc " + vn(pending["due"].(string)),
		"Recomputation owed: these figures are as of " + vn(sum["as_of"].(string)),
		"since " + vn(pending["since"].(string)), "by " + vn(pending["due"].(string)),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the page says %q, lacking %q", got, want)
		}
	}
	for attr, key := range map[string]string{"since": "since", "due": "due"} {
		if v := eval[string](t, b, `document.getElementById("fig-pending").dataset.`+attr); v != pending[key] {
			t.Errorf("data-%s = %q, the API's pending.%s = %v", attr, v, key, pending[key])
		}
	}
	m := text(t, b, "fig-pending-map")
	if !strings.Contains(m, "The map is evaluated when the page loaded (") || !strings.Contains(m, "Bản đồ được tính lúc tải trang (") {
		t.Errorf("map note %q, want it to say the map is evaluated when the page loaded", m)
	}
	shown := regexp.MustCompile(`\d{2}/\d{2}/\d{4} \d{2}:\d{2}`).FindAllString(m, -1)
	if len(shown) == 0 {
		t.Errorf("map note %q names no instant", m)
	}
	for _, v := range shown {
		at, err := time.ParseInLocation("02/01/2006 15:04", v, time.FixedZone("ICT", 7*3600))
		if err != nil || at.Before(before.Truncate(time.Minute)) || at.After(after) {
			t.Errorf("map note %q says %s, want the list's as_of when the page loaded (between %s and %s)", m, v, vn(before.Format(time.RFC3339)), vn(after.Format(time.RFC3339)))
		}
	}
	checkFigures(t, b, sum) // the figures shown are still the summary's

	// As of a past date the summary is evaluated then, owing nothing.
	b.chooseDate(t, "f-asof", "2025-06-01")
	if pendingShown(b) {
		t.Errorf("as of 2025-06-01 the page still says %q", text(t, b, "fig-pending"))
	}
	if errs := b.scriptErrors(); len(errs) > 0 {
		t.Errorf("script errors: %v", errs)
	}
}
