// covmon status page. Reads only the public API; labels come from /api/v1/labels
// (Vietnamese first, English beside). Dates and times are shown in Vietnam time (UTC+7).
"use strict";
(function () {
  const VN_OFFSET_MS = 7 * 3600 * 1000;
  const CATS = [ // map categories, most urgent first; colours for the markers and the legend
    { key: "overdue", label: "status.overdue", color: "#8b0000" },
    { key: "dead_zone", label: "status.not_due", color: "#e8431a" },
    { key: "lom_song", label: "status.lom_song", color: "#f2c12e" },
    { key: "no_power", label: "status.no_power", color: "#7a5ea8" },
    { key: "no_data", label: "status.no_data_not_due", color: "#9aa3ab" }, // the overdue ones are "overdue"
    { key: "covered", label: "status.covered_not_lom_song", tip: "status.covered", color: "#2e9e5b" }, // lõm sóng is "lom_song"; a marker says just covered
  ];
  const COLOR = Object.fromEntries(CATS.map((c) => [c.key, c.color]));
  const STATUS_FILTERS = ["overdue", "dead_zone", "lom_song", "no_power", "no_data", "covered"];
  // The lifecycle steps in order (docs/figures.md#lifecycle); a village out of scope has none.
  const STEPS = ["flagged", "assigned", "planned", "built", "on_air", "verified"];

  const $ = (id) => document.getElementById(id);
  let L10N = {};
  const st = { programs: [], features: [], all: [], summary: null, burndown: null, markers: new Map() };

  // --- labels -------------------------------------------------------------------------
  function lab(key) { return L10N[key] || { vi: key, en: key }; }
  function both(el, key, sub) { // "<vi> <span class=en>en</span>"
    const l = lab(key);
    el.textContent = "";
    el.append(fill(l.vi, sub));
    if (l.en && l.en !== l.vi) {
      const s = document.createElement("span");
      s.className = "en";
      s.textContent = fill(l.en, sub);
      el.append(s);
    }
    return el;
  }
  function fill(s, sub) { return sub ? s.replace(/\{(\w+)\}/g, (_, k) => sub[k]) : s; }
  function bothText(key) { const l = lab(key); return l.vi === l.en ? l.vi : l.vi + " / " + l.en; }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // --- time (Vietnam, UTC+7, whatever the browser's zone) --------------------------------
  function vnParts(iso) {
    const d = new Date(Date.parse(iso) + VN_OFFSET_MS).toISOString();
    return { y: d.slice(0, 4), m: d.slice(5, 7), d: d.slice(8, 10), hm: d.slice(11, 16) };
  }
  function vnDate(iso) { const p = vnParts(iso); return p.d + "/" + p.m + "/" + p.y; }
  function vnDateTime(iso) { const p = vnParts(iso); return p.d + "/" + p.m + "/" + p.y + " " + p.hm; }
  function vnToday() { return new Date(Date.now() + VN_OFFSET_MS).toISOString().slice(0, 10); }

  // --- API ----------------------------------------------------------------------------
  async function get(path) {
    const r = await fetch(path, { headers: { Accept: "application/json" } });
    if (!r.ok) {
      let detail = r.status + " " + r.statusText;
      try { detail = (await r.json()).detail || detail; } catch (e) { /* not a problem document */ }
      throw new Error(path + ": " + detail);
    }
    return r.json();
  }
  function params(extra) {
    const p = new URLSearchParams();
    p.set("program", $("f-program").value);
    if ($("f-asof").value) p.set("as_of", $("f-asof").value);
    if ($("f-asknown").checked) p.set("as_known", "true"); // the audit view: only what was received by then
    for (const [k, v] of Object.entries(extra || {})) if (v) p.set(k, v);
    return p.toString();
  }

  // --- map ----------------------------------------------------------------------------
  const canvas = L.canvas({ padding: 0.3, tolerance: 4 });
  const map = L.map("map", { preferCanvas: true, renderer: canvas, zoomSnap: 0.25, minZoom: 5, maxZoom: 14,
    maxBounds: [[5, 100], [25, 120]], maxBoundsViscosity: 0.8, attributionControl: true });
  map.attributionControl.setPrefix('<a href="static/leaflet/LICENSE">Leaflet 1.9.4</a>');
  map.fitBounds([[7.5, 102.1], [23.4, 116.5]]);
  // One group for every village marker: one click handler and one tooltip for all of them
  // (per-marker handlers cost seconds at 10k villages).
  const markerLayer = L.featureGroup().addTo(map);
  markerLayer.on("click", (e) => openVillage(e.layer.options.villageId));
  // The tooltip is a text node: Leaflet would insert a string as HTML, and a village's name
  // is the registry's text, not markup.
  markerLayer.bindTooltip((layer) => document.createTextNode(layer.options.tip), { direction: "top" });

  function category(p) {
    if (p.overdue) return "overdue"; // in scope, past its own deadline, reported or not
    if (p.status === "dead_zone") return "dead_zone";
    if (p.status === "covered") return p.area_coverage === "partial" ? "lom_song" : "covered";
    return p.status;
  }
  function matchesStatus(p, f) {
    switch (f) {
      case "": return true;
      case "overdue": return p.overdue; // dead zones and never-reported villages alike
      case "lom_song": return p.status === "covered" && p.area_coverage === "partial";
      default: return p.status === f; // as the API's status filter: dead_zone includes overdue
    }
  }

  async function loadBase() {
    const land = await get("static/vn-land.geojson");
    L.geoJSON(land, { renderer: canvas, interactive: false,
      style: { stroke: false, fillColor: "#efeadb", fillOpacity: 1 } }).addTo(map); // no stroke: the box's clip edges would show
    for (const [latlng, key] of [[[16.6, 111.9], "page.hoang_sa"], [[10.6, 113.2], "page.truong_sa"]]) {
      const l = lab(key);
      const html = document.createElement("div");
      html.append(l.vi);
      const en = el("span", "en", l.en);
      html.append(en);
      L.marker(latlng, { interactive: false, keyboard: false,
        icon: L.divIcon({ className: "archipelago", html: html, iconSize: null, iconAnchor: [0, 8] }) }).addTo(map);
    }
    map.attributionControl.addAttribution(bothText("page.base_layer"));
  }

  // buildMarkers makes one marker per village of the loaded data, most urgent last (drawn on
  // top); drawMarkers shows those the filters keep.
  function buildMarkers() {
    st.all = st.features.map((f) => ({ f: f, cat: category(f.properties) }))
      .sort((a, b) => rankOf(b.cat) - rankOf(a.cat));
    for (const v of st.all) {
      const p = v.f.properties, [lon, lat] = v.f.geometry.coordinates;
      v.marker = L.circleMarker([lat, lon], { renderer: canvas, radius: v.cat === "covered" ? 3.5 : 5,
        color: "#222", weight: 0.6, fillColor: COLOR[v.cat], fillOpacity: 0.9,
        villageId: p.village_id, tip: p.name + " — " + catText(v.cat) + stepText(p) });
    }
  }
  // catText is a marker's category as its tooltip says it.
  function catText(cat) {
    const c = CATS.find((c) => c.key === cat);
    return bothText(c.tip || c.label);
  }
  // stepText is a village's lifecycle step and the date of its evidence, for its tooltip.
  function stepText(p) {
    if (!p.lifecycle_step) return "";
    return " · " + bothText("step." + p.lifecycle_step) + (p.lifecycle_since ? " " + vnDate(p.lifecycle_since) : "");
  }
  function drawMarkers() {
    const prov = $("f-province").value, status = $("f-status").value, carrier = $("f-carrier").value;
    const resp = $("f-responsible").value, step = $("f-step").value;
    const counts = Object.fromEntries(CATS.map((c) => [c.key, 0]));
    let shown = 0;
    // Off the map while the group changes: the canvas is redrawn once, not per marker.
    map.removeLayer(markerLayer);
    markerLayer.clearLayers();
    st.markers.clear();
    for (const v of st.all) {
      const p = v.f.properties;
      if (prov && p.province_code !== prov) continue;
      if (carrier && !(p.carriers_reported || []).includes(carrier)) continue;
      if (resp && (p.responsible_carrier || "unassigned") !== resp) continue;
      if (step && p.lifecycle_step !== step) continue;
      counts[v.cat]++;
      if (!matchesStatus(p, status)) continue;
      markerLayer.addLayer(v.marker);
      st.markers.set(p.village_id, v.marker);
      shown++;
    }
    map.addLayer(markerLayer);
    $("shown-count").textContent = shown;
    const legend = $("legend");
    legend.textContent = "";
    for (const c of CATS) {
      const li = el("li");
      li.dataset.cat = c.key;
      const dot = el("span", "dot");
      dot.style.background = c.color;
      const n = el("span", "n", String(counts[c.key]));
      n.id = "legend-" + c.key;
      li.append(dot, both(el("span", "lab"), c.label), n);
      legend.append(li);
    }
    const csv = new URLSearchParams(params({ province: prov, carrier: carrier }));
    csv.set("f", "csv");
    if (status && status !== "lom_song") csv.set("status", status);
    $("csv-link").href = "api/v1/villages?" + csv.toString();
  }
  function rankOf(cat) {
    return CATS.findIndex((c) => c.key === cat);
  }

  // --- figures ------------------------------------------------------------------------
  function showSummary(s) {
    const n = s.national;
    $("fig-baseline-covered").textContent = n.baseline_covered;
    $("fig-baseline").textContent = n.baseline;
    $("fig-bar").style.width = (n.baseline ? (100 * n.baseline_covered / n.baseline) : 0).toFixed(1) + "%";
    const pct = n.baseline ? (100 * n.baseline_covered / n.baseline).toFixed(1) : "0";
    $("fig-asof").textContent = bothText("page.as_of") + ": " + vnDateTime(s.as_of) + " (UTC+7) · " + pct + "%";
    showPending(s);
    // Which figures these are: the audit view says so (docs/figures.md, "As known then").
    const view = $("fig-view");
    view.dataset.view = s.view || "current";
    view.hidden = s.view !== "as_known";
    if (s.view === "as_known") both(view, "page.view_as_known");
    const dl = Date.parse(s.program.deadline), at = Date.parse(s.as_of);
    // Whole days, as covmon status counts them: passed rounded down, left rounded up.
    const days = at >= dl ? Math.floor((at - dl) / 86400000) : Math.ceil((dl - at) / 86400000);
    const dlEl = $("fig-deadline");
    dlEl.textContent = bothText("page.deadline") + ": " + vnDate(s.program.deadline) + " — ";
    dlEl.append(both(el("span"), at >= dl ? "page.deadline_passed" : "page.deadline_left", { n: days }));
    $("fig-trust").textContent = bothText("page.trust") + ": " + bothText("trust." + (s.trust || "claims"));
    const rows = [
      ["dead_zone", "page.dead_zones", n.dead_zone],
      ["overdue", "status.overdue", n.overdue],
      ["partial_area", "status.lom_song", n.partial_area],
      ["no_power", "status.no_power", n.no_power],
      ["no_data", "status.no_data", n.no_data],
      ["covered", "status.covered", n.covered],
      ["found_later", "page.found_later", n.found_later],
      ["villages", "page.villages", n.villages],
      ["discrepancies", "page.discrepancies", n.discrepancies || 0],
    ];
    const t = $("counts");
    t.textContent = "";
    for (const [id, key, v] of rows) {
      const tr = el("tr");
      const td = el("td", "n", String(v));
      td.id = "fig-" + id.replace("_", "-");
      tr.append(both(el("td"), key), td);
      t.append(tr);
    }
    showForecast(s.forecast, s.program.deadline);
    const notice = $("notice");
    if (s.notice) {
      notice.hidden = false;
      notice.textContent = "";
      notice.append(lab("page.demo").vi, el("span", "en", s.notice));
    } else {
      notice.hidden = true;
    }
  }

  // showPending says, while a whole computation is owed to uploads the figures do not count
  // yet (the API summary's pending), as of when the figures are, since when it is owed and by
  // when it runs; and that the map (when the page loaded) and the CSV (when downloaded) are
  // evaluated from the store at their own instants, counting every stored report.
  // Hidden otherwise (a summary as of a past date, or nothing owed).
  function showPending(s) {
    const box = $("fig-pending");
    box.textContent = "";
    box.hidden = !s.pending;
    box.dataset.since = s.pending ? s.pending.since : "";
    box.dataset.due = s.pending ? s.pending.due : "";
    if (!s.pending) return;
    const at = vnDateTime; // Vietnam time, as the line above and the page's note say
    both(box, "page.pending", { as_of: at(s.as_of), since: at(s.pending.since), due: at(s.pending.due) });
    if (st.mapAsOf) {
      const m = both(el("div"), "page.pending_map", { at: at(st.mapAsOf) });
      m.id = "fig-pending-map";
      box.append(m);
    }
  }

  // showForecast writes the program's completion forecast (the API's, the same figure as the
  // metric covmon_program_forecast_zero_timestamp_seconds); a summary as of a past date has none
  // in the current view, and the audit view's (as_known) is each week as known then.
  function showForecast(f, deadline) {
    const box = $("forecast");
    box.textContent = "";
    box.dataset.status = f ? f.status : "";
    box.dataset.zeroAt = f && f.zero_at ? f.zero_at : "";
    if (!f) {
      both(box, "page.forecast_none");
      return;
    }
    const head = el("div", "big-date");
    head.id = "forecast-value";
    switch (f.status) {
      case "converging":
        head.textContent = vnDate(f.zero_at);
        if (f.misses_deadline) head.append(" ", both(el("span", "late"), "page.forecast_late"));
        break;
      case "not_converging": both(head, "page.forecast_never"); break;
      case "done": both(head, "page.forecast_done"); break;
      case "not_evaluated": both(head, "page.forecast_not_evaluated"); break;
      default: both(head, "page.forecast_insufficient");
    }
    box.append(head);
    if (f.points) {
      const m = both(el("div", "note"), "page.forecast_method",
        { n: f.points, left: f.remaining, slope: (f.slope_per_week > 0 ? "+" : "") + f.slope_per_week.toFixed(1) });
      m.id = "forecast-method";
      m.title = f.method;
      box.append(m);
    }
    if (f.view === "as_known") {
      // The audit view's forecast: each week as known then (docs/figures.md).
      const v = both(el("div", "note"), "page.forecast_as_known", { n: f.points, weeks: f.weeks });
      v.id = "forecast-view";
      box.append(v);
    }
  }

  function showBurndown(b) {
    const box = $("burndown");
    box.textContent = "";
    const pts = b.points || [];
    if (!pts.length) return;
    const W = 330, H = 150, L0 = 34, R0 = 6, T0 = 8, B0 = 20;
    const t = pts.map((p) => Date.parse(p.day + "T00:00:00+07:00"));
    const dl = Date.parse(b.program.deadline);
    const t0 = Math.min(t[0], dl), t1 = Math.max(t[t.length - 1], dl);
    const ymax = Math.max(1, ...pts.map((p) => Math.max(p.dead_zone, p.baseline - p.baseline_covered)));
    const x = (v) => L0 + (W - L0 - R0) * (v - t0) / Math.max(1, t1 - t0);
    const y = (v) => T0 + (H - T0 - B0) * (1 - v / ymax);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const add = (tag, attrs, text) => {
      const e = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    add("line", { x1: L0, y1: y(0), x2: W - R0, y2: y(0), stroke: "#9aa5ae" });
    add("line", { x1: L0, y1: T0, x2: L0, y2: y(0), stroke: "#9aa5ae" });
    for (const v of [0, Math.round(ymax / 2), ymax]) add("text", { x: L0 - 3, y: y(v) + 3, "text-anchor": "end" }, String(v));
    for (let yr = new Date(t0).getUTCFullYear() + 1; yr <= new Date(t1).getUTCFullYear(); yr++) {
      const xv = x(Date.parse(yr + "-01-01T00:00:00+07:00"));
      add("line", { x1: xv, y1: y(0), x2: xv, y2: y(0) + 3, stroke: "#9aa5ae" });
      add("text", { x: xv, y: H - 6, "text-anchor": "middle" }, String(yr));
    }
    add("line", { x1: x(dl), y1: T0, x2: x(dl), y2: y(0), stroke: "#8b0000", "stroke-dasharray": "3 2" });
    // The points backfilled later from the data stored now (the current view of their day)
    // are drawn dashed, joined to the points on either side, and the points recorded then (as
    // known then) solid: the two are not the same kind of figure (docs/api.md, burn-down). Each
    // run of one kind is its own line, in time order: a month covmon did not run, backfilled
    // between recorded days, is dashed, not crossed by a solid line.
    const line = (f, color, label) => {
      const xy = (i) => x(t[i]).toFixed(1) + "," + y(f(pts[i])).toFixed(1);
      for (let i = 0; i < pts.length;) {
        const back = !!pts[i].backfilled;
        let j = i;
        while (j + 1 < pts.length && !!pts[j + 1].backfilled === back) j++;
        const run = [];
        for (let k = back ? Math.max(0, i - 1) : i; k <= (back ? Math.min(pts.length - 1, j + 1) : j); k++) run.push(k);
        add("polyline", Object.assign({ points: run.map(xy).join(" "), fill: "none", stroke: color, "stroke-width": 1.6, "data-points": back ? "backfilled" : "recorded" },
          back ? { "stroke-dasharray": "4 3" } : {}));
        i = j + 1;
      }
      return label;
    };
    line((p) => p.baseline - p.baseline_covered, "#5b6772");
    line((p) => p.dead_zone, "#e8431a");
    line((p) => p.overdue, "#8b0000");
    box.append(svg);
    const key = el("div", "note");
    for (const [color, k] of [["#5b6772", "page.baseline_left"], ["#e8431a", "page.dead_zones"], ["#8b0000", "status.overdue"], ["#8b0000", "page.deadline"]]) {
      const s = el("span");
      s.style.color = color;
      s.textContent = "■ ";
      key.append(s, both(el("span"), k), " ");
    }
    box.append(key);
  }

  // --- village panel ------------------------------------------------------------------
  async function openVillage(id) {
    const v = await get("api/v1/villages/" + encodeURIComponent(id) + "?" + params());
    const panel = $("panel");
    panel.hidden = false;
    panel.dataset.village = v.village_id;
    $("panel-name").textContent = v.name;
    $("panel-where").textContent = [v.commune_name, v.province_name].filter(Boolean).join(", ") + " · " + v.village_id;
    const cat = category(v);
    const facts = [
      ["field.status", catText(cat)],
      ["field.reason", v.reason ? bothText("reason." + v.reason) : "–"],
      ["field.level", bothText("level." + v.level)],
      ["field.area_coverage", v.area_coverage ? bothText("area." + v.area_coverage) : "–"],
      ["field.grid_power", bothText(v.grid_power ? "page.yes" : "page.no")],
      ["field.carriers_with_signal", (v.carriers_with_signal || []).join(", ") || "–"],
      ["field.carriers_reported", (v.carriers_reported || []).join(", ") || "–"],
      ["field.responsible_carrier", !v.responsible_carrier || v.responsible_carrier === "unassigned" ? bothText("page.unassigned") : v.responsible_carrier],
      ["field.lifecycle_step", v.lifecycle ? bothText("step." + v.lifecycle.step) + (v.lifecycle.since ? " · " + vnDate(v.lifecycle.since) : "") : "–"],
      ["field.plan", v.lifecycle && v.lifecycle.plan ? v.lifecycle.plan.site_id + " · " + vnDate(v.lifecycle.plan.target_on_air + "T00:00:00+07:00") : "–"],
      ["field.days_late", v.lifecycle && v.lifecycle.late ? String(v.lifecycle.days_late) : "–"],
      ["field.deadline", v.deadline ? vnDate(v.deadline) : "–"],
      ["field.days_overdue", v.overdue ? String(v.days_overdue) : "–"],
      ["field.last_observed_at", v.last_observed_at ? vnDateTime(v.last_observed_at) : "–"],
      ["field.households", v.households ? String(v.households) : "–"],
    ];
    const t = $("panel-facts");
    t.textContent = "";
    for (const [k, val] of facts) {
      const tr = el("tr");
      tr.dataset.field = k.slice("field.".length);
      tr.append(both(el("th"), k), el("td", "", val));
      t.append(tr);
    }
    const h = $("panel-history");
    h.textContent = "";
    const head = el("tr");
    for (const k of ["field.observed_at", "field.carrier", "field.has_signal", "field.method", "page.provenance"]) {
      head.append(both(el("th"), k));
    }
    h.append(head);
    const obs = [...(v.observations || [])].reverse(); // newest first
    if (!obs.length) {
      const tr = el("tr");
      const td = both(el("td"), "page.no_history");
      td.colSpan = 5;
      tr.append(td);
      h.append(tr);
    }
    for (const o of obs) {
      const tr = el("tr", "obs");
      const meas = [o.rsrp_dbm != null ? o.rsrp_dbm + " dBm" : "", o.dl_mbps != null ? o.dl_mbps + " Mbit/s" : ""].filter(Boolean).join(", ");
      for (const c of [vnDateTime(o.observed_at), o.carrier + " " + o.technology, (o.has_signal ? "✓" : "✗") + (meas ? " " + meas : ""),
        o.method, "#" + o.upload_id + (o.received_at ? " · " + vnDate(o.received_at) : "")]) tr.append(el("td", "", String(c)));
      h.append(tr);
    }
  }

  // --- loading ------------------------------------------------------------------------
  async function load() {
    document.body.dataset.state = "loading";
    try {
      const prov = $("f-province").value;
      const t0 = performance.now();
      const [sum, fc, bd] = await Promise.all([
        get("api/v1/summary?" + params({ province: prov })),
        get("api/v1/villages?" + params()),
        get("api/v1/burndown?" + new URLSearchParams({ program: $("f-program").value })),
      ]);
      st.summary = sum;
      st.features = fc.features || [];
      st.mapAsOf = fc.as_of || "";
      const t1 = performance.now();
      fillChoices();
      showSummary(sum);
      showBurndown(bd);
      buildMarkers();
      drawMarkers();
      // Timings for docs/benchmarks.md: fetching the API, then drawing (markers, figures, chart).
      document.body.dataset.timings = JSON.stringify({ villages: st.features.length,
        fetch_ms: Math.round(t1 - t0), draw_ms: Math.round(performance.now() - t1) });
      document.body.dataset.state = "ready";
    } catch (e) {
      fail(e);
    }
  }
  async function refilter() { // province changes the figures (summary per province); the rest only the map
    document.body.dataset.state = "loading";
    try {
      showSummary(await get("api/v1/summary?" + params({ province: $("f-province").value })));
      drawMarkers();
      document.body.dataset.state = "ready";
    } catch (e) {
      fail(e);
    }
  }
  function fail(e) {
    document.body.dataset.state = "error";
    const n = $("notice");
    n.hidden = false;
    n.textContent = bothText("page.error") + ": " + e.message;
  }

  function setOptions(sel, items, keep) { // items: [value, text]
    const cur = keep ? sel.value : "";
    sel.textContent = "";
    for (const [v, text] of items) {
      const o = el("option", "", text);
      o.value = v;
      sel.append(o);
    }
    if (items.some(([v]) => v === cur)) sel.value = cur;
  }
  function fillChoices() {
    const provs = new Map(), carriers = new Set();
    for (const f of st.features) {
      provs.set(f.properties.province_code, f.properties.province_name || f.properties.province_code);
      for (const c of f.properties.carriers_reported || []) carriers.add(c);
    }
    setOptions($("f-province"), [["", bothText("page.all")], ...[...provs].sort((a, b) => a[1].localeCompare(b[1], "vi")).map(([c, n]) => [c, n + " (" + c + ")"])], true);
    setOptions($("f-carrier"), [["", bothText("page.all")], ...[...carriers].sort().map((c) => [c, c])], true);
    const resp = new Set(st.features.map((f) => f.properties.responsible_carrier || "unassigned"));
    setOptions($("f-responsible"), [["", bothText("page.all")], ...[...resp].sort().map((c) => [c, c === "unassigned" ? bothText("page.unassigned") : c])], true);
  }

  async function start() {
    try {
      L10N = await get("api/v1/labels");
    } catch (e) {
      fail(e);
      return;
    }
    document.title = "covmon — " + bothText("page.title");
    for (const e of document.querySelectorAll("[data-l]")) both(e, e.dataset.l);
    for (const e of document.querySelectorAll("[data-l1]")) e.textContent = bothText(e.dataset.l1);
    setOptions($("f-status"), [["", bothText("page.all")], ...STATUS_FILTERS.map((s) => [s, bothText("status." + s)])]);
    setOptions($("f-step"), [["", bothText("page.all")], ...STEPS.map((s) => [s, bothText("step." + s)])]);
    try {
      st.programs = await get("api/v1/programs");
      await loadBase();
    } catch (e) {
      fail(e);
      return;
    }
    setOptions($("f-program"), st.programs.map((p) => [p.id, p.name + " (" + p.id + ")"]));
    $("f-asof").max = vnToday();
    $("f-asof").addEventListener("change", load);
    $("f-today").addEventListener("click", () => { $("f-asof").value = ""; load(); });
    $("f-asknown").addEventListener("change", load);
    $("f-program").addEventListener("change", load);
    $("f-province").addEventListener("change", refilter);
    $("f-status").addEventListener("change", drawMarkers);
    $("f-carrier").addEventListener("change", drawMarkers);
    $("f-responsible").addEventListener("change", drawMarkers);
    $("f-step").addEventListener("change", drawMarkers);
    $("panel-close").addEventListener("click", () => { $("panel").hidden = true; });
    // A link may ask a date and the audit view (/?as_of=2025-03-01&as_known=true), as the API
    // does. A value the page cannot show is an error, never the current view of today in its
    // place.
    const asked = new URLSearchParams(location.search);
    for (const k of new Set(asked.keys())) { // a misspelt as_known ignored would show the current view as the audit one
      if (k !== "as_of" && k !== "as_known") {
        fail(new Error(`${k}: not a parameter of the page (it takes as_of and as_known)`));
        return;
      }
      if (asked.getAll(k).length > 1) {
        fail(new Error(`${k}: given ${asked.getAll(k).length} times, want once`));
        return;
      }
    }
    if (asked.has("as_of")) {
      const d = asked.get("as_of");
      $("f-asof").value = d;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || $("f-asof").value !== d) {
        fail(new Error(`as_of: the page takes a date YYYY-MM-DD up to today, got "${d}" (an instant: /api/v1/summary?as_of=…)`));
        return;
      }
    }
    if (asked.has("as_known")) {
      const v = asked.get("as_known");
      if (v !== "true" && v !== "false") {
        fail(new Error(`as_known: want true or false, got "${v}"`));
        return;
      }
      $("f-asknown").checked = v === "true";
    }
    await load();
  }

  // For the browser test and for people poking at the page from the console.
  window.covmonPage = {
    map: map,
    markerCount: () => markerLayer.getLayers().length,
    markerPoint: (id) => { const m = st.markers.get(id); if (!m) return null; const p = map.latLngToContainerPoint(m.getLatLng()); const r = $("map").getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; },
    markerLatLng: (id) => { const m = st.markers.get(id); return m ? m.getLatLng() : null; },
    shownIDs: () => [...st.markers.keys()],
    markerTip: (id) => { const m = st.markers.get(id); return m ? m.options.tip : null; },
  };
  start();
})();
