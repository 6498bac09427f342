#!/usr/bin/env python3
"""Writes maskcast's holiday tables from the `holidays` Python package.

One table per market, OUT_DIR/<name>.csv ("date,name", YYYY-MM-DD, in date
order, observed and substitute days included), an index of the markets
(OUT_DIR/index.csv) and OUT_DIR/README.md, which records where the tables
come from. The tables are committed and compiled into maskcast, so building
maskcast needs no Python; this script refreshes them (data/holidays/README.md).

    python3 generate.py [--first 1990] [--last 2040] [--generated YYYY-MM-DD]
                        [--us-copy FILE] OUT_DIR

Written for the package's 0.10 series (Debian bookworm's python3-holidays
0.10.1): markets name its country classes and their `prov`/`state` argument.
"""
import argparse
import csv
import datetime
import os
import sys

import holidays

# name, region, class in the holidays package, its keyword arguments.
# The name is the ISO 3166-1 alpha-2 code, with the ISO 3166-2 subdivision
# after a hyphen, in lower case. A national table (no subdivision) holds the
# days the package keeps for the whole country.
MARKETS = [
    ("ar", "Argentina", "Argentina", {}),
    ("at", "Austria", "Austria", {}),
    ("au", "Australia (national days only)", "Australia", {}),
    ("au-act", "Australia: Australian Capital Territory", "Australia", {"prov": "ACT"}),
    ("au-nsw", "Australia: New South Wales", "Australia", {"prov": "NSW"}),
    ("au-nt", "Australia: Northern Territory", "Australia", {"prov": "NT"}),
    ("au-qld", "Australia: Queensland", "Australia", {"prov": "QLD"}),
    ("au-sa", "Australia: South Australia", "Australia", {"prov": "SA"}),
    ("au-tas", "Australia: Tasmania", "Australia", {"prov": "TAS"}),
    ("au-vic", "Australia: Victoria", "Australia", {"prov": "VIC"}),
    ("au-wa", "Australia: Western Australia", "Australia", {"prov": "WA"}),
    ("be", "Belgium", "Belgium", {}),
    ("bg", "Bulgaria", "Bulgaria", {}),
    ("br", "Brazil (national days only)", "Brazil", {}),
    ("ca", "Canada (national days only)", "Canada", {"prov": None}),
    ("ca-ab", "Canada: Alberta", "Canada", {"prov": "AB"}),
    ("ca-bc", "Canada: British Columbia", "Canada", {"prov": "BC"}),
    ("ca-mb", "Canada: Manitoba", "Canada", {"prov": "MB"}),
    ("ca-nb", "Canada: New Brunswick", "Canada", {"prov": "NB"}),
    ("ca-nl", "Canada: Newfoundland and Labrador", "Canada", {"prov": "NL"}),
    ("ca-ns", "Canada: Nova Scotia", "Canada", {"prov": "NS"}),
    ("ca-on", "Canada: Ontario", "Canada", {"prov": "ON"}),
    ("ca-pe", "Canada: Prince Edward Island", "Canada", {"prov": "PE"}),
    ("ca-qc", "Canada: Quebec", "Canada", {"prov": "QC"}),
    ("ca-sk", "Canada: Saskatchewan", "Canada", {"prov": "SK"}),
    ("ch", "Switzerland (national days only)", "Switzerland", {}),
    ("cl", "Chile", "Chile", {}),
    ("co", "Colombia", "Colombia", {}),
    ("cz", "Czechia", "Czechia", {}),
    ("de", "Germany (national days only)", "Germany", {}),
    ("de-bb", "Germany: Brandenburg", "Germany", {"prov": "BB"}),
    ("de-be", "Germany: Berlin", "Germany", {"prov": "BE"}),
    ("de-bw", "Germany: Baden-Wuerttemberg", "Germany", {"prov": "BW"}),
    ("de-by", "Germany: Bavaria", "Germany", {"prov": "BY"}),
    ("de-hb", "Germany: Bremen", "Germany", {"prov": "HB"}),
    ("de-he", "Germany: Hesse", "Germany", {"prov": "HE"}),
    ("de-hh", "Germany: Hamburg", "Germany", {"prov": "HH"}),
    ("de-mv", "Germany: Mecklenburg-Western Pomerania", "Germany", {"prov": "MV"}),
    ("de-ni", "Germany: Lower Saxony", "Germany", {"prov": "NI"}),
    ("de-nw", "Germany: North Rhine-Westphalia", "Germany", {"prov": "NW"}),
    ("de-rp", "Germany: Rhineland-Palatinate", "Germany", {"prov": "RP"}),
    ("de-sh", "Germany: Schleswig-Holstein", "Germany", {"prov": "SH"}),
    ("de-sl", "Germany: Saarland", "Germany", {"prov": "SL"}),
    ("de-sn", "Germany: Saxony", "Germany", {"prov": "SN"}),
    ("de-st", "Germany: Saxony-Anhalt", "Germany", {"prov": "ST"}),
    ("de-th", "Germany: Thuringia", "Germany", {"prov": "TH"}),
    ("dk", "Denmark", "Denmark", {}),
    ("ee", "Estonia", "Estonia", {}),
    ("es", "Spain (national days only)", "Spain", {}),
    ("fi", "Finland", "Finland", {}),
    ("fr", "France (metropolitan)", "France", {}),
    ("gb-eng", "United Kingdom: England", "England", {}),
    ("gb-nir", "United Kingdom: Northern Ireland", "NorthernIreland", {}),
    ("gb-sct", "United Kingdom: Scotland", "Scotland", {}),
    ("gb-wls", "United Kingdom: Wales", "Wales", {}),
    ("gr", "Greece", "Greece", {}),
    ("hr", "Croatia", "Croatia", {}),
    ("hu", "Hungary", "Hungary", {}),
    ("ie", "Ireland", "Ireland", {}),
    ("in", "India (fixed-date national days only)", "India", {}),
    ("it", "Italy (national days only)", "Italy", {}),
    ("jp", "Japan", "Japan", {}),
    ("lt", "Lithuania", "Lithuania", {}),
    ("lu", "Luxembourg", "Luxembourg", {}),
    ("mx", "Mexico", "Mexico", {}),
    ("nl", "Netherlands", "Netherlands", {}),
    ("no", "Norway", "Norway", {"include_sundays": False}),
    ("nz", "New Zealand (national days only)", "NewZealand", {}),
    ("pe", "Peru", "Peru", {}),
    ("pl", "Poland", "Poland", {}),
    ("pt", "Portugal", "Portugal", {}),
    ("rs", "Serbia", "Serbia", {}),
    ("se", "Sweden", "Sweden", {"include_sundays": False}),
    ("si", "Slovenia", "Slovenia", {}),
    ("sk", "Slovakia", "Slovakia", {}),
    ("ua", "Ukraine", "Ukraine", {}),
    ("us", "United States (federal)", "UnitedStates", {}),
    ("za", "South Africa", "SouthAfrica", {}),
]


def table(cls_name, kwargs, first, last):
    """The (date, name) rows of one market, first-01-01 to last-12-31."""
    cls = getattr(holidays, cls_name)
    # A day observed in the year before its holiday (1 January on a
    # Saturday, observed on 31 December) is written by the following year.
    h = cls(years=range(first, last + 2), expand=False, **kwargs)
    lo, hi = datetime.date(first, 1, 1), datetime.date(last, 12, 31)
    rows = []
    for day, name in sorted(h.items()):
        if lo <= day <= hi:
            rows.append((day, name))
    return rows


def write_csv(path, rows):
    """RFC 4180 with LF line ends; a name holding a comma is quoted (the
    package joins the names of one day's holidays with ", ")."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("date", "name"))
        for day, name in rows:
            w.writerow((day.isoformat(), name))


README_HEAD = """\
# Holiday tables

Written by `generate.py` in this folder; do not edit them by hand. Each
`<name>.csv` lists one market's public holidays, `date,name` with dates
`YYYY-MM-DD` in date order, from {first}-01-01 to {last}-12-31 (or the years
the package has holidays for, when fewer: see the table). Holidays that
fall on a weekend appear on their own date and, where the law moves them,
again on the day they are observed (names ending in "(Observed)"): substitute
days are included. `index.csv` lists the markets with their years and sizes.

maskcast compiles these tables into the library, so `--holidays au-vic` works
with no data files around (docs/HOLIDAYS.md).

## Provenance

| | |
|---|---|
| source | the Python package `holidays` (python-holidays, MIT licence), version {version} |
| generated | {generated} |
| years | {first}-{last} |
| command | `python3 data/holidays/generate.py --first {first} --last {last} --us-copy data/us_holidays.csv data/holidays` |

## Markets

| name | region | years | holidays |
|---|---|---|---|
"""

README_TAIL = """
## Refreshing

With Debian's `python3-holidays` installed (`.ci/deps` installs it) and a
configured build in `build/`:

```
cmake --build build --target holiday-tables
```

runs this script into `data/holidays` and rewrites `data/us_holidays.csv`,
the copy of `us.csv` kept for older commands. The ctest
`holiday_tables_reproducible` (label `data`) regenerates every table into
the build tree and compares it with the committed one; it is skipped when
python3 has no `holidays` module, or one of another version than above
(another version's calendars differ, so the committed tables would fail).
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--first", type=int, default=1990, help="first year (default 1990)")
    p.add_argument("--last", type=int, default=2040, help="last year (default 2040)")
    p.add_argument("--generated", default=None,
                   help="the date to record as the generation date (default today)")
    p.add_argument("--us-copy", default=None,
                   help="also write the us table to this file")
    p.add_argument("out_dir")
    a = p.parse_args()
    if not 1900 <= a.first <= a.last <= 2100:
        p.error("years must satisfy 1900 <= first <= last <= 2100")
    generated = a.generated or datetime.date.today().isoformat()
    datetime.date.fromisoformat(generated)  # raises on a malformed date
    version = holidays.__version__

    os.makedirs(a.out_dir, exist_ok=True)
    index = []
    for name, region, cls_name, kwargs in sorted(MARKETS, key=lambda m: m[0]):
        # index.csv is read by a build tool that splits at commas.
        assert "," not in region and '"' not in region, region
        rows = table(cls_name, kwargs, a.first, a.last)
        write_csv(os.path.join(a.out_dir, name + ".csv"), rows)
        if name == "us" and a.us_copy:
            write_csv(a.us_copy, rows)
        # The years the table covers: the span asked for, cut to the years
        # the package has holidays for (Slovenia's begin in 1992).
        index.append((name, region, rows[0][0].year, rows[-1][0].year, len(rows)))

    with open(os.path.join(a.out_dir, "index.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("name,region,first_year,last_year,holidays,source,generated\n")
        for name, region, first, last, n in index:
            f.write("%s,%s,%d,%d,%d,python-holidays %s,%s\n"
                    % (name, region, first, last, n, version, generated))

    with open(os.path.join(a.out_dir, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(README_HEAD.format(first=a.first, last=a.last, version=version,
                                   generated=generated))
        for name, region, first, last, n in index:
            f.write("| `%s` | %s | %d-%d | %d |\n" % (name, region, first, last, n))
        f.write(README_TAIL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
