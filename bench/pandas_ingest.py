#!/usr/bin/python3
"""One timed pandas.read_csv of the ingest benchmark's file, in a fresh process.

    /usr/bin/python3 bench/pandas_ingest.py [--no-parse-dates] FILE.csv

Run it with Debian's /usr/bin/python3 (python3-pandas); another python3 on
PATH may lack pandas. Reads the same columns as mc_bench_csv_ingest
(time, load, temperature, holiday; "note" unselected) and prints one line in
the same format:

    pandas seconds=S mb_per_s=R rows=N file_bytes=B numeric_bytes=D
           peak_rss_bytes=P baseline_rss_bytes=Q frame_bytes=F load_sum=X

The label is "pandas" with parse_dates=['time'] (ISO timestamps, so pandas
takes its fast path) and "pandas_nodates" without it (times stay as Python
strings, object dtype). numeric_bytes uses maskcast's formula,
rows * (8 + 8 * 3); frame_bytes is what pandas itself says the DataFrame holds
(memory_usage(deep=True)). Baseline RSS is taken after importing pandas.
"""

import argparse
import os
import resource
import sys
import time

COLUMNS = ["time", "load", "temperature", "holiday"]


def current_rss_bytes():
    """Resident set now, from /proc/self/statm (pages)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    """Peak resident set so far; Linux reports ru_maxrss in KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-parse-dates", action="store_true",
                        help="leave the time column as strings (object dtype)")
    parser.add_argument("path")
    args = parser.parse_args()

    import pandas as pd  # imported before the baseline, so it is not counted as load cost

    file_bytes = os.stat(args.path).st_size
    parse_dates = [] if args.no_parse_dates else ["time"]
    baseline = current_rss_bytes()
    t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
    df = pd.read_csv(args.path, usecols=COLUMNS, parse_dates=parse_dates)
    seconds = time.clock_gettime(time.CLOCK_MONOTONIC) - t0
    peak = peak_rss_bytes()

    # A failed date parse would silently leave strings and flatter pandas.
    if parse_dates and not pd.api.types.is_datetime64_any_dtype(df["time"]):
        sys.exit("pandas_ingest: time column was not parsed as datetime")
    rows = len(df)
    label = "pandas_nodates" if args.no_parse_dates else "pandas"
    print(f"{label} seconds={seconds:.4f} mb_per_s={file_bytes / 1e6 / seconds:.2f} "
          f"rows={rows} file_bytes={file_bytes} numeric_bytes={rows * (8 + 8 * 3)} "
          f"peak_rss_bytes={peak} baseline_rss_bytes={baseline} "
          f"frame_bytes={int(df.memory_usage(deep=True).sum())} "
          f"load_sum={df['load'].sum():.2f}")


if __name__ == "__main__":
    main()
