#!/usr/bin/env python3
"""Put the chart library and a report's JSON into the template, as the CLI does.

assemble.py TEMPLATE ECHARTS_JS REPORT_JSON OUT_HTML
"""
import sys

LIBRARY = "/*@MC_CHART_LIBRARY@*/"
DATA = "@MC_REPORT_DATA@"


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.strip())
    template, library, data, out = sys.argv[1:]
    with open(template, encoding="utf-8") as f:
        html = f.read()
    with open(library, encoding="utf-8") as f:
        js = f.read()
    with open(data, encoding="utf-8") as f:
        # "</script" would end the script element early, and "<!--<script"
        # would make the parser skip its real end.  "<" occurs only inside
        # JSON strings, where \u003c means the same.
        text = f.read().strip().replace("<", "\\u003c")
    for marker in (LIBRARY, DATA):
        if html.count(marker) != 1:
            sys.exit(f"{template}: {marker} must appear exactly once")
    # Substitute in the template only: the command line inside the JSON may
    # spell a marker too.
    head, tail = html.split(LIBRARY)
    head, tail = [part.replace(DATA, text) for part in (head, tail)]
    with open(out, "w", encoding="utf-8") as f:
        f.write(head + js + tail)


if __name__ == "__main__":
    main()
