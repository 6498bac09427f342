#!/usr/bin/env python3
"""Open a maskcast report in headless Chromium and check every chart.

check_report.py REPORT.html [--chromium PATH] [--screenshot PNG] [--max-render-ms N]

The page checks itself when opened as REPORT.html#mc-check: it writes the
charts it drew (name, series count read back from the chart, painted canvas
pixels), the errors it caught and its render time into <pre id="mc-check">.
This script compares that with what the report's own data calls for, and
fails (exit 1) on a console message or uncaught exception, a missing or
extra chart, a wrong series count, a blank chart, a page that never
finished, or a slow render.  Exit 77 (skip) when Chromium is not installed.
"""
import argparse
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77
METHODS_CHARTS = ("by_step_mape", "by_step_mae", "by_hour", "by_weekday")


def fan(levels):
    """(bands, lines): symmetric pairs q, 1 - q, and the levels left over
    other than the median, which the forecast line already draws."""
    levels = sorted(levels)
    used = set()
    for i, lo in enumerate(levels):
        if lo >= 0.5:
            continue
        for j in range(len(levels) - 1, i, -1):
            if j not in used and abs(lo + levels[j] - 1) < 1e-6:
                used |= {i, j}
                break
    lines = [q for i, q in enumerate(levels) if i not in used and abs(q - 0.5) > 1e-6]
    return len(used) // 2, len(lines)


def charts_of(s):
    """The charts one section draws, with their series counts."""
    kind = s["kind"]
    if kind == "forecast":
        bands, lines = fan([q["level"] for q in s["quantiles"]])
        # history, forecast, a stacked pair (base, band) per band, the other
        # levels as lines, the filled points
        yield "main", 2 + 2 * bands + lines + 1
    elif kind == "backtest":
        yield "path", 1 + len(s["path"]["series"])  # actual, then each forecast
        for name in METHODS_CHARTS:
            yield name, len(s["methods"])  # one line per method
        if s["worst_days"]:
            yield "worst_days", 1  # maskcast's MAPE per day
        if s["reliability"] is not None:
            yield "coverage", 2  # observed, nominal
            yield "reliability", 2  # observed, the diagonal
    elif kind == "explain":
        yield "importance", 1
        if s["attention"] is not None:
            yield "attention", 1
    elif kind == "anomalies":
        yield "main", 3  # load, flagged values, mask weight
    elif kind == "describe":
        for n, _ in enumerate(s["columns"]):
            # values, interpolated, seasonal fill, merged duplicates, suspicious
            yield f"column.{n}", 5
    else:
        raise ValueError(f"unknown section kind {kind!r}")


def expected_charts(data):
    out = {}
    seen = set()
    for i, s in enumerate(data["sections"]):
        # A kind that repeats is told apart by its position.
        key = s["kind"] + str(i) if s["kind"] in seen else s["kind"]
        seen.add(s["kind"])
        for name, n in charts_of(s):
            out[f"{key}.{name}"] = n
    return out


def report_data(path):
    with open(path, encoding="utf-8") as f:
        page = f.read()
    m = re.search(r'<script type="application/json" id="mc-data">(.*?)</script>', page, re.S)
    if not m:
        sys.exit(f"FAIL: {path}: no mc-data script element")
    return json.loads(m.group(1))  # "<\/" and "\u003c" are JSON escapes


def chromium(exe, url, extra):
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--no-default-browser-check", "--disable-extensions",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--mute-audio", "--hide-scrollbars",
               f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=20000"] + extra + [url]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)


# Chromium prints every console message of the page as INFO:CONSOLE, whatever
# its level; the report logs nothing, so any of them is a failure.  Uncaught
# exceptions and security-policy violations arrive the same way.
CONSOLE = re.compile(r"^\[[^\]]*:CONSOLE[^\]]*\] (.*)$", re.M)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def self_check(exe, url):
    """The page's own check result (or None) and the failures seen."""
    run = chromium(exe, url + "#mc-check", ["--window-size=1280,1000", "--dump-dom"])
    failures = [f"console: {msg}" for msg in CONSOLE.findall(run.stderr)]
    if run.returncode != 0:
        failures.append(f"chromium exited with status {run.returncode}")
    m = re.search(r'<pre id="mc-check"[^>]*>(.*?)</pre>', run.stdout, re.S)
    if m and m.group(1).strip():
        return json.loads(html.unescape(m.group(1))), failures
    tail = [line for line in run.stderr.splitlines() if "dbus" not in line][-5:]
    failures.append("no self-check result: the page crashed or never finished; chromium "
                    "said:\n  " + "\n  ".join(tail))
    return None, failures


def compare(check, expected, max_render_ms):
    failures = [f"page: {e}" for e in check["errors"]]
    seen = set()
    for c in check["charts"]:
        name = c["name"]
        if name in seen:
            failures.append(f"{name}: drawn twice")
        seen.add(name)
        if name not in expected:
            failures.append(f"{name}: not expected from the report's data")
        elif c["series"] != expected[name]:
            failures.append(f"{name}: {c['series']} series, expected {expected[name]}")
        if c["painted"] == 0:
            failures.append(f"{name}: nothing painted")
    failures += [f"{name}: missing" for name in expected if name not in seen]
    if max_render_ms is not None and check["render_ms"] > max_render_ms:
        failures.append(f"render took {check['render_ms']} ms, over {max_render_ms:g}")
    return failures


def main():
    ap = argparse.ArgumentParser(description="Check a maskcast report in headless Chromium.")
    ap.add_argument("report")
    ap.add_argument("--chromium")
    ap.add_argument("--screenshot", metavar="PNG")
    ap.add_argument("--max-render-ms", type=float)
    a = ap.parse_args()

    exe = a.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe or not os.access(exe, os.X_OK):
        print("SKIP: chromium is not installed")
        return SKIP
    path = os.path.abspath(a.report)
    expected = expected_charts(report_data(path))
    url = "file://" + path

    check, failures = self_check(exe, url)
    if check is None:
        # Once in a long while a heavily loaded machine dumps the page too
        # early; a page that really crashes does so again.
        check, failures = self_check(exe, url)
    if check:
        failures += compare(check, expected, a.max_render_ms)

    if check and a.screenshot and not failures:
        shot = os.path.abspath(a.screenshot)
        if os.path.exists(shot):
            os.remove(shot)
        height = min(max(int(check["height"]), 600), 16000)
        run = chromium(exe, url, [f"--window-size=1280,{height}", f"--screenshot={shot}"])
        size = png_size(shot) if os.path.exists(shot) else None
        if size is None:
            failures.append(f"screenshot: no PNG written (chromium exit {run.returncode})")
        elif size != (1280, height) or os.path.getsize(shot) < 20000:
            failures.append(f"screenshot: {size[0]}x{size[1]}, {os.path.getsize(shot)} bytes;"
                            f" expected 1280x{height} and at least 20000 bytes")

    if failures:
        for f in failures:
            print(f"FAIL: {f}")
        return 1
    for c in check["charts"]:
        print(f"ok {c['name']}: {c['series']} series, {c['painted']} pixels painted")
    print(f"ok {len(check['charts'])} charts rendered in {check['render_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
