#!/usr/bin/env python3
"""Render the wasm-tier performance dashboard: one static, offline HTML page.

Reads every `*.json` in the results folder whose top level has `"schema": 1` (files written by
`Benchmarks/run.py`; others, such as `decode-validate.json`, are ignored) and writes one page with
inline CSS and inline SVG charts: no scripts, no fonts or anything else from the network.

    Tools/render-dashboard.py [--results Benchmarks/results] [--out Benchmarks/dashboard/index.html]

Content: a summary (geometric mean of time relative to native -O2, per engine and tier, over the
programs of the newest result), one bar chart per program, one history line chart per engine,
the raw figures of the newest result, the engines that could not be run and why.

Elements a test can find:
    <section id="summary">            with  <li class="summary-item" data-engine="ID">
    <svg class="chart program-chart" data-program="NAME">   bars: <rect class="bar" data-engine="ID">
    <svg class="chart history-chart" data-engine="ID">      points: <circle class="point">
    <svg class="chart history-overview">
    <table id="raw-figures">          rows: <tr class="data-row" data-program=.. data-engine=..>
    <section id="unavailable">        with  <li class="unavailable-engine" data-engine="ID">
    <section id="machine">
"""

import argparse
import datetime as dt
import glob
import html
import json
import math
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_RESULTS = os.path.join("Benchmarks", "results")
DEFAULT_OUT = os.path.join("Benchmarks", "dashboard", "index.html")

NATIVE = "native"
# Fixed colors: the reference in neutral gray, peers in cool colors, our own tiers in warm ones.
REFERENCE_COLOR = "#5f6368"
PEER_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#8c564b", "#7f7f7f", "#bcbd22", "#393b79"]
TIER_COLORS = ["#d62728", "#ff7f0e", "#e377c2", "#b5651d"]
KNOWN_COLORS = {  # stable across runs whatever the order of engines in a file
    "native": REFERENCE_COLOR,
    "wasmtime": "#1f77b4",
    "wasmkit-toolchain": "#2ca02c",
    "wasmkit-0.4.2": "#9467bd",
    "wasm3": "#17becf",
    "wasmer": "#8c564b",
    "wamr": "#393b79",
    "wasm-tier-interp": "#d62728",
    "wasm-tier-opt": "#ff7f0e",
    "wasm-tier-auto": "#e377c2",
}


# ----------------------------------------------------------------------------------------------
# Loading


def parse_date(text):
    if not isinstance(text, str):
        return None
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    try:
        d = dt.datetime.fromisoformat(t)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    return d.astimezone(dt.timezone.utc)


def load_results(folder):
    """Returns [(path, doc)] of the schema-1 result files, oldest first, and a list of notes."""
    found, notes = [], []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            notes.append("%s: not readable JSON (%s), ignored" % (os.path.basename(path), e))
            continue
        if not isinstance(doc, dict) or doc.get("schema") != 1:
            continue
        doc["_date"] = parse_date(doc.get("date"))
        if doc["_date"] is None:
            mtime = os.path.getmtime(path)
            doc["_date"] = dt.datetime.fromtimestamp(mtime, dt.timezone.utc)
            notes.append("%s: no valid date, using the file's time" % os.path.basename(path))
        doc["_file"] = os.path.basename(path)
        found.append((path, doc))
    found.sort(key=lambda pd: (pd[1]["_date"], pd[1]["_file"]))
    return found, notes


def num(x):
    """x as a finite float, or None."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def engines_of(doc):
    out = []
    for e in doc.get("engines") or []:
        if isinstance(e, dict) and isinstance(e.get("id"), str):
            out.append(e)
    return out


def programs_of(doc):
    return [p for p in doc.get("programs") or [] if isinstance(p, dict) and isinstance(p.get("name"), str)]


def result_of(program, engine_id):
    r = (program.get("results") or {}).get(engine_id)
    return r if isinstance(r, dict) else None


def ratio_of(program, engine_id):
    """Median time relative to native for one program and engine, or None."""
    r = result_of(program, engine_id)
    if r is None or r.get("error"):
        return None
    ratio = num(r.get("relativeToNative"))
    if ratio is not None and ratio > 0:
        return ratio
    med = num(r.get("medianSeconds"))
    nat = result_of(program, NATIVE)
    nmed = num(nat.get("medianSeconds")) if nat else None
    if engine_id == NATIVE and med is not None:
        return 1.0
    if med is not None and nmed and nmed > 0 and med > 0:
        return med / nmed
    return None


def geomean(values):
    vals = [v for v in values if v is not None and v > 0]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def summary_of(doc):
    """{engine id: (geomean ratio, number of programs)} for one result file."""
    out = {}
    programs = programs_of(doc)
    ids = [e["id"] for e in engines_of(doc)]
    for p in programs:
        for k in (p.get("results") or {}):
            if k not in ids:
                ids.append(k)
    stored = ((doc.get("summary") or {}).get("geomeanRelativeToNative") or {})
    for eid in ids:
        # like Benchmarks/run.py: a run with a wrong checksum does not count
        ratios = [ratio_of(p, eid) for p in programs if (result_of(p, eid) or {}).get("checksumOK") is not False]
        ratios = [r for r in ratios if r is not None]
        g = geomean(ratios)
        if g is None and num(stored.get(eid)) is not None:
            out[eid] = (num(stored.get(eid)), None)
        elif g is not None:
            out[eid] = (g, len(ratios))
    return out


class Engines:
    """Display order, names, kinds and colors of every engine seen in any file."""

    def __init__(self, docs):
        self.order, self.info = [], {}
        for doc in reversed(docs):  # the newest file's order and names win
            for e in engines_of(doc):
                if e["id"] not in self.info:
                    self.info[e["id"]] = e
                    self.order.append(e["id"])
            for p in programs_of(doc):
                for k in (p.get("results") or {}):
                    if k not in self.info:
                        self.info[k] = {"id": k, "name": k, "kind": "peer"}
                        self.order.append(k)
        rank = {"reference": 0, "tier": 1, "peer": 2}
        seen = list(self.order)
        self.order.sort(key=lambda i: (0 if i == NATIVE else 1, rank.get(self.kind(i), 3), seen.index(i)))
        self.colors = {}
        used = set()
        for eid in self.order:
            if eid in KNOWN_COLORS:
                self.colors[eid] = KNOWN_COLORS[eid]
                used.add(KNOWN_COLORS[eid])
        for eid in self.order:
            if eid in self.colors:
                continue
            if self.kind(eid) == "reference":
                palette = [REFERENCE_COLOR]
            elif self.kind(eid) == "tier":
                palette = TIER_COLORS + PEER_COLORS
            else:
                palette = PEER_COLORS + TIER_COLORS
            free = [c for c in palette if c not in used] or palette
            self.colors[eid] = free[0]
            used.add(free[0])

    def kind(self, eid):
        k = self.info.get(eid, {}).get("kind")
        return k if k in ("reference", "peer", "tier") else "peer"

    def name(self, eid):
        n = self.info.get(eid, {}).get("name")
        return n if isinstance(n, str) and n else eid

    def color(self, eid):
        return self.colors.get(eid, "#333333")


# ----------------------------------------------------------------------------------------------
# Formatting

esc = html.escape


def fmt_ratio(r):
    if r is None:
        return "–"
    if r >= 100:
        return "%.0f×" % r
    if r >= 10:
        return "%.1f×" % r
    return "%.2f×" % r


def fmt_seconds(s):
    s = num(s)
    if s is None:
        return "–"
    if s == 0:
        return "0 s"
    if s < 1e-3:
        return "%.1f µs" % (s * 1e6)
    if s < 1:
        return "%.2f ms" % (s * 1e3)
    return "%.3f s" % s


def fmt_rss(kib):
    kib = num(kib)
    if kib is None:
        return "–"
    return "%.1f MiB" % (kib / 1024.0)


def fmt_bytes(n):
    n = num(n)
    if n is None:
        return "–"
    if n < 1024:
        return "%d B" % n
    if n < 1024 * 1024:
        return "%.1f KiB" % (n / 1024.0)
    return "%.1f MiB" % (n / 1048576.0)


def fmt_date(d, with_time=True):
    return d.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")


def fnum(x):
    """A number for an SVG attribute."""
    return ("%.2f" % x).rstrip("0").rstrip(".")


def nice_log_ticks(lo, hi):
    """1-2-5 ticks covering [lo, hi]; returns (domain lo, domain hi, ticks)."""
    steps = [1, 2, 5]
    e = math.floor(math.log10(lo))
    ticks = []
    while True:
        for s in steps:
            v = s * 10 ** e
            ticks.append(v)
        if ticks[-1] >= hi:
            break
        e += 1
    start = max([t for t in ticks if t <= lo] or [ticks[0]])
    end = min([t for t in ticks if t >= hi] or [ticks[-1]])
    ticks = [t for t in ticks if start <= t <= end]
    if len(ticks) > 9:  # keep only powers of ten (and the ends)
        ticks = [t for t in ticks if abs(math.log10(t) - round(math.log10(t))) < 1e-9 or t in (start, end)]
    return start, end, ticks


def date_ticks(all_dates, x, min_gap):
    """Tick dates for a time axis: the result dates themselves when there are few, else evenly
    spaced ones; labels closer than min_gap pixels to the previous one are dropped."""
    dates = sorted(set(all_dates))
    if len(dates) > 6:
        t0, t1 = dates[0], dates[-1]
        span = (t1 - t0).total_seconds()
        dates = [t0 + dt.timedelta(seconds=span * i / 5) for i in range(6)]
    out, last_x, last_label = [], None, None
    for d in dates:
        label = d.strftime("%b %d")
        if label == last_label or (last_x is not None and x(d) - last_x < min_gap):
            continue
        out.append((d, label))
        last_x, last_label = x(d), label
    return out


def nice_linear_max(hi):
    if hi <= 0:
        return 1.0, [0, 0.5, 1.0]
    e = 10 ** math.floor(math.log10(hi))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= hi:
            top = m * e
            break
    step_candidates = [top / n for n in (4, 5, 3, 6, 2)]
    step = step_candidates[0]
    ticks = [round(step * i, 10) for i in range(0, int(round(top / step)) + 1)]
    return top, ticks


def tick_label(t):
    if t >= 1:
        return "%g" % t
    return ("%.3f" % t).rstrip("0").rstrip(".")


# ----------------------------------------------------------------------------------------------
# Charts


def program_chart(program, rows, scale, engines, bad_checksum=()):
    """rows: [(engine id, ratio or None, error or None)]; scale: (lo, hi, ticks) shared by all."""
    lo, hi, ticks = scale
    left, right, top, row_h, bar_h = 178, 62, 10, 24, 15
    width = 660
    plot_w = width - left - right
    height = top + row_h * max(1, len(rows)) + 44
    bottom = top + row_h * max(1, len(rows))

    def x(v):
        v = min(max(v, lo), hi)
        return left + plot_w * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    name = program.get("name", "?")
    out = ['<svg class="chart program-chart" data-program="%s" viewBox="0 0 %d %d" width="%d" height="%d" '
           'role="img" aria-label="%s: time relative to native" xmlns="http://www.w3.org/2000/svg">'
           % (esc(name), width, height, width, height, esc(name))]
    out.append('<title>%s: median time relative to native -O2 (log scale)</title>' % esc(name))
    for t in ticks:
        out.append('<line class="grid" x1="%s" y1="%d" x2="%s" y2="%d"/>' % (fnum(x(t)), top - 4, fnum(x(t)), bottom))
        out.append('<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>' % (fnum(x(t)), bottom + 14, tick_label(t)))
    for i, (eid, ratio, error) in enumerate(rows):
        y = top + i * row_h
        cy = y + row_h / 2
        out.append('<text class="label" x="%d" y="%s" text-anchor="end" dominant-baseline="central">%s</text>'
                   % (left - 8, fnum(cy), esc(eid)))
        if ratio is not None:
            x0, x1 = left, x(ratio)
            out.append('<rect class="bar" data-engine="%s" data-ratio="%.6g" x="%s" y="%s" width="%s" height="%d" '
                       'fill="%s" rx="2"><title>%s: %s of native</title></rect>'
                       % (esc(eid), ratio, fnum(x0), fnum(cy - bar_h / 2), fnum(max(x1 - x0, 1.5)), bar_h,
                          engines.color(eid), esc(engines.name(eid)), fmt_ratio(ratio)))
            inside = eid in bad_checksum and x1 - x0 > 140
            out.append('<text class="value" x="%s" y="%s" dominant-baseline="central">%s%s</text>'
                       % (fnum(x1 + 5), fnum(cy), fmt_ratio(ratio),
                          ' <tspan class="bad-checksum">✗ wrong checksum</tspan>' if eid in bad_checksum and not inside else ""))
            if inside:
                out.append('<text class="bad-checksum-in" x="%s" y="%s" dominant-baseline="central">✗ wrong checksum</text>'
                           % (fnum(x0 + 6), fnum(cy)))
        else:
            msg = ("failed: " + str(error)) if error and error != "no time relative to native" else (error or "no result")
            if len(msg) > 60:
                msg = msg[:57] + "…"
            out.append('<text class="failed" data-engine="%s" x="%d" y="%s" dominant-baseline="central">✗ %s'
                       '<title>%s</title></text>' % (esc(eid), left + 6, fnum(cy), esc(msg), esc(str(error or "no result"))))
    # native = 1.0 marker over the bars
    if lo <= 1 <= hi:
        out.append('<line class="native-mark" x1="%s" y1="%d" x2="%s" y2="%d"/>' % (fnum(x(1)), top - 6, fnum(x(1)), bottom + 2))
    out.append('<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (left, bottom, left + plot_w, bottom))
    out.append('<text class="axis-label" x="%s" y="%d" text-anchor="middle">time relative to native -O2 '
               '(log scale, lower is better)</text>' % (fnum(left + plot_w / 2), bottom + 32))
    out.append('</svg>')
    return "\n".join(out)


def history_chart(eid, points, engines, t_range, all_dates):
    """points: [(datetime, geomean, programs, commit)] in date order."""
    width, height = 420, 200
    left, right, top, bottom_m = 48, 18, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom_m
    bottom = top + plot_h
    t0, t1 = t_range
    span = (t1 - t0).total_seconds()

    def x(d):
        if span <= 0:
            return left + plot_w / 2
        return left + plot_w * (d - t0).total_seconds() / span

    vmax = max([p[1] for p in points] + [1.0])
    top_v, ticks = nice_linear_max(vmax * 1.08)

    def y(v):
        return bottom - plot_h * v / top_v

    color = engines.color(eid)
    out = ['<svg class="chart history-chart" data-engine="%s" data-points="%d" viewBox="0 0 %d %d" width="%d" height="%d" '
           'role="img" aria-label="%s history" xmlns="http://www.w3.org/2000/svg">'
           % (esc(eid), len(points), width, height, width, height, esc(eid))]
    out.append('<title>%s: geometric mean of time relative to native, per result file</title>' % esc(engines.name(eid)))
    for t in ticks:
        out.append('<line class="grid" x1="%d" y1="%s" x2="%d" y2="%s"/>' % (left, fnum(y(t)), left + plot_w, fnum(y(t))))
        out.append('<text class="tick" x="%d" y="%s" text-anchor="end" dominant-baseline="central">%s</text>'
                   % (left - 6, fnum(y(t)), tick_label(t)))
    if 0 < 1 <= top_v:
        out.append('<line class="native-mark-h" x1="%d" y1="%s" x2="%d" y2="%s"/>' % (left, fnum(y(1)), left + plot_w, fnum(y(1))))
    for d, label in date_ticks(all_dates, x, 44):
        out.append('<line class="grid" x1="%s" y1="%d" x2="%s" y2="%d"/>' % (fnum(x(d)), top, fnum(x(d)), bottom))
        out.append('<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>' % (fnum(x(d)), bottom + 15, label))
    out.append('<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (left, bottom, left + plot_w, bottom))
    out.append('<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (left, top, left, bottom))
    if len(points) > 1:
        path = " ".join("%s,%s" % (fnum(x(d)), fnum(y(v))) for d, v, _, _ in points)
        out.append('<polyline class="line" points="%s" stroke="%s"/>' % (path, color))
    for i, (d, v, n, commit) in enumerate(points):
        out.append('<circle class="point" cx="%s" cy="%s" r="4" fill="%s"><title>%s · %s · %s over %s programs</title></circle>'
                   % (fnum(x(d)), fnum(y(v)), color, fmt_date(d), esc(str(commit or "?")), fmt_ratio(v),
                      n if n is not None else "?"))
    last_d, last_v = points[-1][0], points[-1][1]
    lx = x(last_d)
    anchor = "end" if lx > left + plot_w - 30 else "middle"
    out.append('<text class="value" x="%s" y="%s" text-anchor="%s">%s</text>'
               % (fnum(lx if anchor == "middle" else lx + 4), fnum(y(last_v) - 9), anchor, fmt_ratio(last_v)))
    out.append('<text class="axis-label" x="%s" y="%d" text-anchor="middle">result date</text>'
               % (fnum(left + plot_w / 2), bottom + 34))
    out.append('<text class="axis-label" transform="translate(12 %s) rotate(-90)" text-anchor="middle">× native</text>'
               % fnum(top + plot_h / 2))
    out.append('</svg>')
    return "\n".join(out)


def history_overview(series, engines, t_range, all_dates):
    """All engines on one log-scale chart. series: {eid: points}."""
    width, height = 1300, 280
    left, right, top, bottom_m = 56, 250, 16, 46
    plot_w, plot_h = width - left - right, height - top - bottom_m
    bottom = top + plot_h
    t0, t1 = t_range
    span = (t1 - t0).total_seconds()
    vals = [p[1] for pts in series.values() for p in pts] or [1.0]
    lo, hi, ticks = nice_log_ticks(min(vals + [1.0]) / 1.2, max(vals + [1.0]) * 1.2)

    def x(d):
        if span <= 0:
            return left + plot_w / 2
        return left + plot_w * (d - t0).total_seconds() / span

    def y(v):
        return bottom - plot_h * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    out = ['<svg class="chart history-overview" viewBox="0 0 %d %d" width="%d" height="%d" role="img" '
           'aria-label="history of all engines" xmlns="http://www.w3.org/2000/svg">' % (width, height, width, height)]
    out.append('<title>Geometric mean relative to native, all engines (log scale)</title>')
    for t in ticks:
        out.append('<line class="grid" x1="%d" y1="%s" x2="%d" y2="%s"/>' % (left, fnum(y(t)), left + plot_w, fnum(y(t))))
        out.append('<text class="tick" x="%d" y="%s" text-anchor="end" dominant-baseline="central">%s</text>'
                   % (left - 6, fnum(y(t)), tick_label(t)))
    if lo <= 1 <= hi:
        out.append('<line class="native-mark-h" x1="%d" y1="%s" x2="%d" y2="%s"/>' % (left, fnum(y(1)), left + plot_w, fnum(y(1))))
    for d, label in date_ticks(all_dates, x, 50):
        out.append('<line class="grid" x1="%s" y1="%d" x2="%s" y2="%d"/>' % (fnum(x(d)), top, fnum(x(d)), bottom))
        out.append('<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>' % (fnum(x(d)), bottom + 15, label))
    out.append('<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (left, bottom, left + plot_w, bottom))
    out.append('<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (left, top, left, bottom))
    legend_y = top + 6
    for eid in [e for e in engines.order if e in series]:
        pts = series[eid]
        color = engines.color(eid)
        if len(pts) > 1:
            out.append('<polyline class="line" data-engine="%s" points="%s" stroke="%s"/>'
                       % (esc(eid), " ".join("%s,%s" % (fnum(x(d)), fnum(y(v))) for d, v, _, _ in pts), color))
        for d, v, n, commit in pts:
            out.append('<circle class="point" cx="%s" cy="%s" r="3.5" fill="%s"><title>%s · %s · %s</title></circle>'
                       % (fnum(x(d)), fnum(y(v)), color, esc(eid), fmt_date(d), fmt_ratio(v)))
        out.append('<rect x="%d" y="%d" width="12" height="12" rx="2" fill="%s"/>' % (left + plot_w + 16, legend_y, color))
        out.append('<text class="legend-text" x="%d" y="%d" dominant-baseline="central">%s '
                   '<tspan class="value">%s</tspan></text>'
                   % (left + plot_w + 34, legend_y + 6, esc(eid), fmt_ratio(pts[-1][1])))
        legend_y += 20
    out.append('<text class="axis-label" x="%s" y="%d" text-anchor="middle">result date</text>'
               % (fnum(left + plot_w / 2), bottom + 36))
    out.append('<text class="axis-label" transform="translate(14 %s) rotate(-90)" text-anchor="middle">'
               '× native (log)</text>' % fnum(top + plot_h / 2))
    out.append('</svg>')
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# Page

CSS = """
:root { --fg:#202124; --muted:#5f6368; --line:#dadce0; --bg:#f6f7f9; --card:#fff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
header { background:#1d2733; color:#fff; padding:18px 28px 14px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:600; }
header .meta { color:#c8d1dc; font-size:13px; }
header .meta code { color:#fff; }
main { max-width:1380px; margin:0 auto; padding:16px 20px 40px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 18px 16px; margin:0 0 16px; }
h2 { font-size:17px; margin:0 0 10px; font-weight:600; }
h3 { font-size:14px; margin:0 0 4px; font-weight:600; }
p.note { color:var(--muted); margin:4px 0 8px; font-size:13px; }
.swatch { display:inline-block; width:11px; height:11px; border-radius:2px; margin-right:6px; vertical-align:-1px; }
ul.summary { list-style:none; margin:0; padding:0; display:flex; flex-wrap:wrap; gap:10px; }
ul.summary li { border:1px solid var(--line); border-radius:6px; padding:8px 12px; min-width:170px; }
ul.summary li .ratio { font-size:20px; font-weight:600; display:block; }
ul.summary li .sub { color:var(--muted); font-size:12px; }
ul.summary li.missing .ratio { color:var(--muted); font-size:14px; font-weight:500; }
.legend { display:flex; flex-wrap:wrap; gap:6px 18px; margin:2px 0 10px; font-size:13px; }
.grid2 { display:grid; grid-template-columns:repeat(auto-fill, minmax(640px, 1fr)); gap:14px 22px; }
.grid3 { display:grid; grid-template-columns:repeat(auto-fill, minmax(420px, 1fr)); gap:12px 18px; }
.card h3 .sub { color:var(--muted); font-weight:400; font-size:12px; margin-left:6px; }
.card p.missing { color:var(--muted); font-size:12px; margin:0; }
svg.chart { display:block; max-width:100%; height:auto; font-size:12px; }
svg .grid { stroke:#eceef1; stroke-width:1; }
svg .axis { stroke:#9aa0a6; stroke-width:1; }
svg .tick { fill:#5f6368; font-size:11px; }
svg .label { fill:#202124; font-size:12px; }
svg .value { fill:#202124; font-size:11.5px; font-weight:600; }
svg .failed, svg .bad-checksum { fill:#b3261e; font-size:12px; }
svg .bad-checksum-in { fill:#fff; font-size:11.5px; font-weight:600; }
svg .failed, svg .value { paint-order:stroke; stroke:#fff; stroke-width:3px; stroke-linejoin:round; }
svg .axis-label { fill:#5f6368; font-size:11.5px; }
svg .legend-text { fill:#202124; font-size:12px; }
svg .native-mark { stroke:#202124; stroke-width:1.5; stroke-dasharray:4 3; }
svg .native-mark-h { stroke:#5f6368; stroke-width:1; stroke-dasharray:4 3; }
svg .line { fill:none; stroke-width:2.2; stroke-linejoin:round; }
table { border-collapse:collapse; width:100%; font-size:12.5px; }
th, td { padding:4px 8px; border-bottom:1px solid #eceef1; text-align:right; white-space:nowrap; }
th { background:#f1f3f4; position:sticky; top:0; font-weight:600; }
th.l, td.l { text-align:left; }
tr.group-start td { border-top:1px solid #c4c7c5; }
td.prog, td.dv { vertical-align:top; background:#fafbfc; }
td.prog { font-weight:600; }
td.bad, span.bad { color:#b3261e; font-weight:600; }
td.ok { color:#188038; }
td.err { color:#b3261e; text-align:left; white-space:normal; }
ul.plain { margin:4px 0; padding-left:20px; }
dl.meta { display:grid; grid-template-columns:max-content 1fr; gap:3px 16px; margin:0; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:8px; }
"""


def render(results_dir, out_path):
    files, notes = load_results(results_dir)
    docs = [d for _, d in files]
    parts = []
    title = "wasm-tier benchmarks"
    if not docs:
        page = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head>'
                '<body><header><h1>%s</h1></header><main><section id="no-results"><h2>No results</h2>'
                '<p>No result files of schema 1 in <code>%s</code>. Run <code>Benchmarks/run.py</code> first.</p>'
                '</section></main></body></html>\n' % (title, CSS, title, esc(results_dir)))
        write(out_path, page)
        return 0, notes

    engines = Engines(docs)
    newest = docs[-1]
    programs = programs_of(newest)
    newest_engines = engines_of(newest)
    available = [e["id"] for e in newest_engines if e.get("available")]
    # engines with results in the newest file but not listed in `engines`
    for p in programs:
        for k in (p.get("results") or {}):
            if k not in available and not any(e["id"] == k for e in newest_engines):
                available.append(k)
    available.sort(key=lambda i: engines.order.index(i))
    unavailable = [e for e in newest_engines if not e.get("available")]
    summary = summary_of(newest)
    date = newest["_date"]
    machine = newest.get("machine") if isinstance(newest.get("machine"), dict) else {}

    # header ------------------------------------------------------------------------------------
    parts.append('<header><h1>%s</h1><div class="meta">newest result: %s · commit <code>%s</code> · %s · %d program%s · '
                 '%d result file%s</div></header><main>'
                 % (title, fmt_date(date), esc(str(newest.get("commit") or "?")), esc(str(machine.get("cpu") or "unknown machine")),
                    len(programs), "" if len(programs) == 1 else "s", len(docs), "" if len(docs) == 1 else "s"))

    # summary -----------------------------------------------------------------------------------
    s = ['<section id="summary"><h2>Summary</h2>',
         '<p class="note">Geometric mean of median time relative to native -O2 over the programs of the newest '
         'result (%s); lower is better, 1.00× = native. Failed runs and wrong checksums are left out.</p>'
         '<ul class="summary">' % fmt_date(date)]
    line = []
    for eid in available:
        g = summary.get(eid)
        kind = engines.kind(eid)
        if g:
            ratio, n = g
            nprog = "%d program%s" % (n, "" if n == 1 else "s") if n is not None else "from the file's summary"
            if n is not None and n < len(programs):
                nprog += " of %d" % len(programs)
            s.append('<li class="summary-item" data-engine="%s" data-geomean="%.6g" data-programs="%s">'
                     '<span class="swatch" style="background:%s"></span><b>%s</b> <span class="sub">%s</span>'
                     '<span class="ratio">%s</span><span class="sub">%s</span></li>'
                     % (esc(eid), ratio, n if n is not None else "", engines.color(eid), esc(eid), esc(kind),
                        fmt_ratio(ratio), nprog))
            line.append("%s %s (%s)" % (eid, fmt_ratio(ratio), nprog))
        else:
            s.append('<li class="summary-item missing" data-engine="%s"><span class="swatch" style="background:%s"></span>'
                     '<b>%s</b> <span class="sub">%s</span><span class="ratio">no successful run</span></li>'
                     % (esc(eid), engines.color(eid), esc(eid), esc(kind)))
            line.append("%s: no successful run" % eid)
    s.append('</ul>')
    s.append('<p class="note summary-line">%s</p>' % esc(" · ".join(line)))
    if unavailable:
        s.append('<p class="note">Not run: %s (see <a href="#unavailable">below</a>).</p>'
                 % ", ".join('<span class="bad">%s</span>' % esc(e["id"]) for e in unavailable))
    s.append('</section>')
    parts.append("\n".join(s))

    # legend ------------------------------------------------------------------------------------
    legend = '<div class="legend">%s</div>' % "".join(
        '<span><span class="swatch" style="background:%s"></span>%s <span style="color:#5f6368">(%s)</span></span>'
        % (engines.color(e), esc(e), esc(engines.name(e))) for e in available)

    # program charts ----------------------------------------------------------------------------
    all_ratios = [r for p in programs for e in available for r in [ratio_of(p, e)] if r is not None]
    scale = nice_log_ticks(min(all_ratios + [1.0]) / 1.3, max(all_ratios + [1.0]) * 1.15)
    s = ['<section id="programs"><h2>Per program</h2>',
         '<p class="note">Median time relative to native -O2 in the newest result, one bar per engine; the dashed line is '
         'native (1.0). Same log scale in every chart.</p>', legend, '<div class="grid2">']
    for p in programs:
        rows = []
        missing = []
        for eid in available:
            r = result_of(p, eid)
            if r is None:
                missing.append(eid)
                continue
            rows.append((eid, ratio_of(p, eid), r.get("error") or (None if ratio_of(p, eid) is not None else "no time relative to native")))
        not_run = [e["id"] for e in unavailable] + missing
        args = p.get("args") or []
        sub = []
        if args:
            sub.append("args " + " ".join(str(a) for a in args))
        if num(p.get("wasmBytes")) is not None:
            sub.append(fmt_bytes(p.get("wasmBytes")) + " wasm")
        nat = result_of(p, NATIVE)
        if nat and num(nat.get("medianSeconds")) is not None:
            sub.append("native " + fmt_seconds(nat.get("medianSeconds")))
        s.append('<div class="card" data-program="%s"><h3>%s<span class="sub">%s</span></h3>'
                 % (esc(p["name"]), esc(p["name"]), esc(" · ".join(sub))))
        bad = [e for e, _, _ in rows if (result_of(p, e) or {}).get("checksumOK") is False and not result_of(p, e).get("error")]
        s.append(program_chart(p, rows, scale, engines, bad))
        if not_run:
            s.append('<p class="missing">not run: %s</p>' % esc(", ".join(not_run)))
        s.append('</div>')
    s.append('</div></section>')
    parts.append("\n".join(s))

    # history -----------------------------------------------------------------------------------
    series = {}
    for doc in docs:
        for eid, (g, n) in summary_of(doc).items():
            series.setdefault(eid, []).append((doc["_date"], g, n, doc.get("commit")))
    t_range = (docs[0]["_date"], docs[-1]["_date"])
    s = ['<section id="history"><h2>History</h2>',
         '<p class="note">Geometric mean of time relative to native per result file, in date order (%d file%s, %s to %s).</p>'
         % (len(docs), "" if len(docs) == 1 else "s", fmt_date(t_range[0], False), fmt_date(t_range[1], False))]
    all_dates = [d["_date"] for d in docs]
    s.append(history_overview(series, engines, t_range, all_dates))
    s.append('<div class="grid3" style="margin-top:12px">')
    for eid in engines.order:
        if eid not in series:
            continue
        pts = series[eid]
        s.append('<div class="card" data-engine="%s"><h3><span class="swatch" style="background:%s"></span>%s'
                 '<span class="sub">%s · %d point%s</span></h3>'
                 % (esc(eid), engines.color(eid), esc(eid), esc(engines.name(eid)), len(pts), "" if len(pts) == 1 else "s"))
        s.append(history_chart(eid, pts, engines, t_range, all_dates))
        s.append('</div>')
    s.append('</div></section>')
    parts.append("\n".join(s))

    # raw figures ---------------------------------------------------------------------------------
    s = ['<section id="raw"><h2>Raw figures (newest result)</h2>',
         '<p class="note">%s runs per engine and program; times are wall-clock seconds of the whole process.</p>'
         % esc(str(newest.get("runs", "?"))),
         '<table id="raw-figures"><thead><tr><th class="l">program</th><th class="l">engine</th><th>median</th><th>min</th>'
         '<th>max</th><th>× native</th><th>peak RSS</th><th class="l">checksum</th><th>compile</th>'
         '<th>decode+validate</th></tr></thead><tbody>']
    for p in programs:
        present = [e for e in available if result_of(p, e) is not None]
        absent = [e for e in available if result_of(p, e) is None]
        n = len(present) + len(absent)
        first = True
        for eid in present + absent:
            r = result_of(p, eid)
            cls = "data-row group-start" if first else "data-row"
            cells = []
            if first:
                cells.append('<td class="l prog" rowspan="%d">%s</td>' % (n, esc(p["name"])))
            cells.append('<td class="l"><span class="swatch" style="background:%s"></span>%s</td>' % (engines.color(eid), esc(eid)))
            if r is None:
                cells.append('<td class="err" colspan="7">no result for this engine</td>')
            elif r.get("error"):
                cells.append('<td class="err" colspan="7">failed: %s</td>' % esc(str(r.get("error"))))
            else:
                ok = r.get("checksumOK")
                cells.append('<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>'
                             % (fmt_seconds(r.get("medianSeconds")), fmt_seconds(r.get("minSeconds")),
                                fmt_seconds(r.get("maxSeconds")), fmt_ratio(ratio_of(p, eid)), fmt_rss(r.get("peakRSSKiB"))))
                if ok is True:
                    cells.append('<td class="l ok">✓ OK</td>')
                elif ok is False:
                    cells.append('<td class="l bad">✗ wrong</td>')
                else:
                    cells.append('<td class="l">–</td>')
                cells.append('<td>%s</td>' % fmt_seconds(r.get("compileSeconds")))
            if first:
                cells.append('<td class="dv" rowspan="%d">%s</td>' % (n, fmt_seconds(p.get("decodeValidateSeconds"))))
            s.append('<tr class="%s" data-program="%s" data-engine="%s">%s</tr>'
                     % (cls, esc(p["name"]), esc(eid), "".join(cells)))
            first = False
    s.append('</tbody></table>')
    # per program facts
    s.append('<h3 style="margin-top:14px">Programs</h3><table id="program-facts"><thead><tr><th class="l">program</th>'
             '<th class="l">args</th><th>wasm size</th><th>code size</th><th class="l">checksum</th>'
             '<th>decode+validate</th><th>instantiate</th></tr></thead><tbody>')
    for p in programs:
        s.append('<tr><td class="l">%s</td><td class="l">%s</td><td>%s</td><td>%s</td><td class="l"><code>%s</code></td>'
                 '<td>%s</td><td>%s</td></tr>'
                 % (esc(p["name"]), esc(" ".join(str(a) for a in p.get("args") or [])), fmt_bytes(p.get("wasmBytes")),
                    fmt_bytes(p.get("codeBytes")), esc(str(p.get("checksum") or "–")),
                    fmt_seconds(p.get("decodeValidateSeconds")), fmt_seconds(p.get("instantiateSeconds"))))
    s.append('</tbody></table></section>')
    parts.append("\n".join(s))

    # unavailable + machine -----------------------------------------------------------------------
    s = ['<section id="unavailable"><h2>Engines not run</h2>']
    if unavailable:
        s.append('<ul class="plain">')
        for e in unavailable:
            s.append('<li class="unavailable-engine" data-engine="%s"><b>%s</b> (%s, %s): %s</li>'
                     % (esc(e["id"]), esc(e["id"]), esc(engines.name(e["id"])), esc(engines.kind(e["id"])),
                        esc(str(e.get("reason") or "no reason given"))))
        s.append('</ul>')
    else:
        s.append('<p class="note">Every engine listed in the newest result was run.</p>')
    failures = [(p["name"], eid, result_of(p, eid).get("error")) for p in programs for eid in available
                if result_of(p, eid) is not None and result_of(p, eid).get("error")]
    if failures:
        s.append('<h3>Failed runs</h3><ul class="plain">')
        for prog, eid, err in failures:
            s.append('<li class="failed-run" data-engine="%s" data-program="%s"><b>%s</b> on %s: %s</li>'
                     % (esc(eid), esc(prog), esc(eid), esc(prog), esc(str(err))))
        s.append('</ul>')
    s.append('</section>')
    parts.append("\n".join(s))

    s = ['<section id="machine"><h2>Machine and run</h2><dl class="meta">']
    rows = [("date", fmt_date(date)), ("commit", str(newest.get("commit") or "?")), ("file", newest["_file"])]
    for k in ("cpu", "cores", "memoryGiB", "os", "python"):
        if machine.get(k) is not None:
            rows.append(({"memoryGiB": "memory (GiB)"}.get(k, k), str(machine.get(k))))
    for k, v in machine.items():
        if k not in ("cpu", "cores", "memoryGiB", "os", "python") and isinstance(v, (str, int, float)):
            rows.append((k, str(v)))
    rows.append(("runs per measurement", str(newest.get("runs", "?"))))
    if num(newest.get("totalSeconds")) is not None:
        rows.append(("total benchmark time", "%.0f s" % num(newest.get("totalSeconds"))))
    rows.append(("engines", "; ".join("%s = %s%s" % (e["id"], engines.name(e["id"]),
                                                      (" " + str(e.get("version"))) if e.get("version") and str(e.get("version")) not in engines.name(e["id"]) else "")
                                        for e in newest_engines)))
    for k, v in rows:
        s.append('<dt>%s</dt><dd>%s</dd>' % (esc(k), esc(v)))
    s.append('</dl>')
    if notes:
        s.append('<p class="note">%s</p>' % "<br>".join(esc(n) for n in notes))
    s.append('</section>')
    parts.append("\n".join(s))

    generated = dt.datetime.now(dt.timezone.utc)
    parts.append('</main><footer>Rendered by Tools/render-dashboard.py on %s from %d result file%s. '
                 'Static page: no scripts, works offline.</footer>'
                 % (fmt_date(generated), len(docs), "" if len(docs) == 1 else "s"))
    page = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>%s — %s</title><style>%s</style></head><body>\n%s\n</body></html>\n'
            % (title, fmt_date(date, False), CSS, "\n".join(parts)))
    write(out_path, page)
    return len(docs), notes


def write(path, text):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=None, help="folder of result files (default %s)" % DEFAULT_RESULTS)
    ap.add_argument("--out", default=None, help="page to write (default %s)" % DEFAULT_OUT)
    a = ap.parse_args(argv)
    results = a.results or os.path.join(REPO, DEFAULT_RESULTS)
    out = a.out or os.path.join(REPO, DEFAULT_OUT)
    if not os.path.isdir(results):
        print("error: no results folder %s" % results, file=sys.stderr)
        return 2
    n, notes = render(results, out)
    for note in notes:
        print("note: " + note, file=sys.stderr)
    if n == 0:
        print("warning: no schema-1 result files in %s; wrote a page saying so: %s" % (results, out), file=sys.stderr)
    else:
        print("wrote %s from %d result file%s" % (out, n, "" if n == 1 else "s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
