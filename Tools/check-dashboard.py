#!/usr/bin/env python3
"""Render the performance dashboard and check it in real headless Chromium.

    Tools/check-dashboard.py [--results Benchmarks/results] [--out Benchmarks/dashboard/index.html]
                             [--screenshot PATH] [--chromium PATH] [--require-browser]

Steps: run Tools/render-dashboard.py; check the page's source (offline: nothing loaded from the
network); open it in headless Chromium to take a screenshot (default: screenshot.png next to the
page) and dump the DOM; check from the dumped DOM that everything expected from the newest result
file rendered: the summary section with one entry per available engine, one program chart per
program (with a bar per engine that has a time), one history chart per available engine (with one
point per result file that has a figure for it), the raw-figures table (a row per program and
engine), the list of engines not run, and the machine section.

Exit 0 when every check passes; 1 with the failed checks listed; 2 on a usage or render error.
Without Chromium (Debian: `apt-get install chromium`) the browser part is skipped loudly
("SKIPPED: chromium not installed") and the exit is 0, unless --require-browser is given.
"""

import argparse
import datetime as dt
import glob
import html.parser
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RENDER = os.path.join(REPO, "Tools", "render-dashboard.py")
BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# ----------------------------------------------------------------------------------------------
# What the page must show, worked out from the result files independently of the renderer


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
    return (d if d.tzinfo else d.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def load(folder):
    docs = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("schema") == 1:
            d = parse_date(doc.get("date")) or dt.datetime.fromtimestamp(os.path.getmtime(path), dt.timezone.utc)
            docs.append((d, os.path.basename(path), doc))
    docs.sort(key=lambda t: (t[0], t[1]))
    return docs


def finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def has_time(program, eid):
    """True if the page should draw a bar for engine eid on this program."""
    results = program.get("results") or {}
    r = results.get(eid)
    if not isinstance(r, dict) or r.get("error"):
        return False
    if finite(r.get("relativeToNative")) and r["relativeToNative"] > 0:
        return True
    nat = results.get("native")
    return (finite(r.get("medianSeconds")) and r["medianSeconds"] > 0
            and (eid == "native" or (isinstance(nat, dict) and finite(nat.get("medianSeconds")) and nat["medianSeconds"] > 0)))


def programs_of(doc):
    return [p for p in doc.get("programs") or [] if isinstance(p, dict) and isinstance(p.get("name"), str)]


def has_figure(doc, eid):
    """True if result file doc gives a geometric mean for eid (a history point)."""
    if any(has_time(p, eid) and (p.get("results") or {})[eid].get("checksumOK") is not False for p in programs_of(doc)):
        return True
    stored = ((doc.get("summary") or {}).get("geomeanRelativeToNative") or {})
    return finite(stored.get(eid))


# ----------------------------------------------------------------------------------------------
# A small DOM from Chromium's --dump-dom output


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def walk(self):
        for c in self.children:
            yield c
            yield from c.walk()

    def find_all(self, tag=None, cls=None, **attrs):
        out = []
        for n in self.walk():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes:
                continue
            if any(n.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def all_text(self):
        return "".join(self.text) + "".join(c.all_text() for c in self.children)


class DOMParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text.append(data)


def parse_dom(text):
    p = DOMParser()
    p.feed(text)
    p.close()
    return p.root


# ----------------------------------------------------------------------------------------------
# Checks


class Checks:
    def __init__(self):
        self.failed = []
        self.count = 0

    def check(self, ok, what, detail=""):
        self.count += 1
        print("  %s %s%s" % ("ok  " if ok else "FAIL", what, (": " + detail) if detail else ""))
        if not ok:
            self.failed.append(what + ((": " + detail) if detail else ""))
        return ok


def check_source(c, page):
    with open(page, encoding="utf-8") as f:
        src = f.read()
    low = src.lower()
    c.check(low.startswith("<!doctype html>"), "page is an HTML document", page)
    bad = [s for s in ('src="http', "src='http", 'href="http', "href='http", "@import", "url(http", "<link ", "<script src")
           if s in low]
    c.check(not bad, "page loads nothing from the network (no external src/href/@import/url())",
            "found " + ", ".join(bad) if bad else "")
    c.check("<style>" in low and "<svg" in low, "page has inline CSS and inline SVG")
    return src


def check_dom(c, root, docs):
    newest_date, newest_file, newest = docs[-1]
    engines = [e for e in newest.get("engines") or [] if isinstance(e, dict) and isinstance(e.get("id"), str)]
    available = [e["id"] for e in engines if e.get("available")]
    unavailable = [e["id"] for e in engines if not e.get("available")]
    programs = programs_of(newest)
    print("newest result: %s (%s, commit %s): %d programs; available engines: %s; not run: %s"
          % (newest_file, newest.get("date"), newest.get("commit"), len(programs), ", ".join(available) or "none",
             ", ".join(unavailable) or "none"))

    # summary
    summary = root.find_all(id="summary")
    if c.check(len(summary) == 1, "summary section (#summary) present"):
        items = {n.attrs.get("data-engine") for n in summary[0].find_all(cls="summary-item")}
        missing = [e for e in available if e not in items]
        c.check(not missing, "summary has an entry per available engine (%d)" % len(available),
                "missing " + ", ".join(missing) if missing else "")
        for e in available:
            if any(has_time(p, e) for p in programs):
                n = [x for x in summary[0].find_all(cls="summary-item", data_engine=e)]
                g = n[0].attrs.get("data-geomean") if n else None
                c.check(g is not None and finite(_float(g)) and _float(g) > 0,
                        "summary geometric mean for %s" % e, "data-geomean=%s" % g)

    # program charts
    charts = root.find_all("svg", cls="program-chart")
    by_prog = {}
    for s in charts:
        by_prog.setdefault(s.attrs.get("data-program"), []).append(s)
    names = [p["name"] for p in programs]
    missing = [n for n in names if n not in by_prog]
    extra = [n for n in by_prog if n not in names]
    dup = [n for n, v in by_prog.items() if len(v) > 1]
    c.check(not missing and not extra and not dup,
            "one program chart (svg.program-chart) per program: %d expected, %d found" % (len(names), len(charts)),
            "; ".join(x for x in ("missing " + ", ".join(missing) if missing else "",
                                  "unexpected " + ", ".join(map(str, extra)) if extra else "",
                                  "duplicated " + ", ".join(dup) if dup else "") if x))
    bad_bars = []
    bars_total = 0
    for p in programs:
        for s in by_prog.get(p["name"], [])[:1]:
            want = [e for e in available if has_time(p, e)]
            bars = s.find_all("rect", cls="bar")
            got = [b.attrs.get("data-engine") for b in bars]
            bars_total += len(bars)
            widths_ok = all(_float(b.attrs.get("width")) > 0 for b in bars)
            labels = len(s.find_all("text", cls="value"))
            if sorted(got) != sorted(want) or not widths_ok or labels < len(bars):
                bad_bars.append("%s: bars %s, expected %s, %d labels" % (p["name"], got, want, labels))
            if not s.find_all(cls="native-mark"):
                bad_bars.append("%s: no native (1.0) mark" % p["name"])
    c.check(not bad_bars, "each program chart has one labeled bar per engine with a time, and the 1.0 mark "
            "(%d bars)" % bars_total, "; ".join(bad_bars))

    # history charts
    hist = {}
    for s in root.find_all("svg", cls="history-chart"):
        hist.setdefault(s.attrs.get("data-engine"), []).append(s)
    problems = []
    for e in available:
        want_points = sum(1 for _, _, d in docs if has_figure(d, e))
        if want_points == 0:
            print("  note: %s has no figure in any result file, so no history chart is expected" % e)
            continue
        charts_e = hist.get(e, [])
        if len(charts_e) != 1:
            problems.append("%s: %d charts" % (e, len(charts_e)))
            continue
        pts = len(charts_e[0].find_all("circle", cls="point"))
        if pts != want_points:
            problems.append("%s: %d points, expected %d" % (e, pts, want_points))
    c.check(not problems, "one history chart (svg.history-chart) per available engine with one point per result "
            "file that has a figure (%d files)" % len(docs), "; ".join(problems))
    c.check(len(root.find_all("svg", cls="history-overview")) == 1, "history overview chart present")

    # raw figures
    tables = root.find_all("table", id="raw-figures")
    if c.check(len(tables) == 1, "raw-figures table (#raw-figures) present"):
        rows = {(r.attrs.get("data-program"), r.attrs.get("data-engine")) for r in tables[0].find_all("tr", cls="data-row")}
        want = {(p["name"], e) for p in programs for e in available if isinstance((p.get("results") or {}).get(e), dict)}
        missing = sorted(want - rows)
        c.check(not missing, "raw-figures table has a row per program and engine with a result (%d rows)" % len(want),
                "missing " + ", ".join("%s/%s" % m for m in missing[:10]) if missing else "")
        heads = " ".join(th.all_text() for th in tables[0].find_all("th")).lower()
        need = ["program", "engine", "median", "min", "max", "native", "rss", "checksum", "compile", "decode"]
        c.check(all(h in heads for h in need), "raw-figures table has the columns " + ", ".join(need), heads)

    # engines not run, machine
    sec = root.find_all(id="unavailable")
    if c.check(len(sec) == 1, "engines-not-run section (#unavailable) present"):
        listed = {n.attrs.get("data-engine"): n.all_text() for n in sec[0].find_all(cls="unavailable-engine")}
        missing = [e for e in unavailable if e not in listed]
        c.check(not missing, "every engine not run is listed with its reason (%d)" % len(unavailable),
                "missing " + ", ".join(missing) if missing else "")
    mach = root.find_all(id="machine")
    if c.check(len(mach) == 1, "machine section (#machine) present"):
        text = mach[0].all_text()
        commit = str(newest.get("commit") or "")
        c.check(commit in text and newest_date.strftime("%Y-%m-%d") in text,
                "machine section shows the newest commit and date", "%s, %s" % (commit, newest_date.date()))


def _float(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def find_browser(explicit):
    if explicit:
        return explicit if (os.path.isfile(explicit) and os.access(explicit, os.X_OK)) or shutil.which(explicit) else None
    for b in BROWSERS:
        p = shutil.which(b)
        if p:
            return p
    return None


def run_browser(browser, args, timeout):
    with tempfile.TemporaryDirectory(prefix="check-dashboard-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               "--disable-dev-shm-usage", "--user-data-dir=" + profile] + args
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "timed out after %ds: %s" % (timeout, " ".join(cmd))
        return p, " ".join(cmd)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=os.path.join(REPO, "Benchmarks", "results"))
    ap.add_argument("--out", default=os.path.join(REPO, "Benchmarks", "dashboard", "index.html"))
    ap.add_argument("--screenshot", default=None, help="default: screenshot.png next to the page")
    ap.add_argument("--window-size", default="1400,2400")
    ap.add_argument("--chromium", default=None, help="browser binary (default: chromium on PATH)")
    ap.add_argument("--require-browser", action="store_true", help="fail instead of skipping without Chromium")
    ap.add_argument("--timeout", type=int, default=180)
    a = ap.parse_args(argv)
    page = os.path.abspath(a.out)
    shot = os.path.abspath(a.screenshot or os.path.join(os.path.dirname(page), "screenshot.png"))

    print("== rendering: %s --results %s --out %s" % (os.path.relpath(RENDER), a.results, page))
    r = subprocess.run([sys.executable, RENDER, "--results", a.results, "--out", page])
    if r.returncode != 0:
        print("FAILED: render-dashboard.py exited with %d" % r.returncode)
        return 2
    docs = load(a.results)
    if not docs:
        print("FAILED: no result files of schema 1 in %s (run Benchmarks/run.py first, or pass --results DIR)" % a.results)
        return 1

    c = Checks()
    print("== checking the page source")
    src = check_source(c, page)
    print("== checking the page as parsed from its source (before the browser)")
    check_dom(c, parse_dom(src), docs)

    browser = find_browser(a.chromium)
    if browser is None:
        if c.failed:
            print("FAILED: %d of %d checks failed:\n  - %s" % (len(c.failed), c.count, "\n  - ".join(c.failed)))
            return 1
        msg = "SKIPPED: chromium not installed (apt-get install chromium); only the page source was checked"
        if a.require_browser:
            print("FAILED: chromium not installed and --require-browser given")
            return 1
        print("*" * len(msg) + "\n" + msg + "\n" + "*" * len(msg))
        return 0

    url = "file://" + page
    print("== browser: %s" % browser)
    if os.path.exists(shot):
        os.remove(shot)
    p, cmd = run_browser(browser, ["--screenshot=" + shot, "--window-size=" + a.window_size, url], a.timeout)
    print("   " + cmd)
    ok = p is not None and p.returncode == 0 and os.path.exists(shot)
    if not c.check(ok, "headless Chromium took a screenshot", shot if ok else
                   (cmd if p is None else "exit %d: %s" % (p.returncode, p.stderr.strip()[-800:]))):
        pass
    else:
        size = png_size(shot)
        want = tuple(int(v) for v in a.window_size.split(","))
        c.check(size == want, "screenshot is a %dx%d PNG" % want, "got %s" % (size,))
        c.check(os.path.getsize(shot) > 20000, "screenshot is not blank (size %d bytes)" % os.path.getsize(shot))

    p, cmd = run_browser(browser, ["--dump-dom", "--window-size=" + a.window_size, url], a.timeout)
    print("   " + cmd)
    dom_text = p.stdout if p is not None and p.returncode == 0 else ""
    if c.check(bool(dom_text.strip()), "headless Chromium dumped the DOM",
               "" if dom_text.strip() else (cmd if p is None else "exit %d: %s" % (p.returncode, p.stderr.strip()[-800:]))):
        print("== checking the DOM as rendered by Chromium (%d characters)" % len(dom_text))
        check_dom(c, parse_dom(dom_text), docs)

    if c.failed:
        print("FAILED: %d of %d checks failed:\n  - %s" % (len(c.failed), c.count, "\n  - ".join(c.failed)))
        return 1
    print("PASSED: %d checks; page %s, screenshot %s" % (c.count, page, shot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
