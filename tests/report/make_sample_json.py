#!/usr/bin/env python3
"""Write a synthetic report JSON (docs/REPORT.md, "The report's data").

make_sample_json.py KIND [--point] [--no-attention] [--large] [-o FILE]

KIND is forecast, backtest, explain, anomalies, describe or all (one
report with every section).  --point makes a point model (no quantiles, no
reliability), --large a backtest over 16 years of hourly values.
"""
import argparse
import json
import math
import random

HOUR = 3600 * 1000
DAY = 24 * HOUR
T0 = 1262304000000  # 2010-01-01 00:00, local wall-clock read as UTC
H = 24
LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9]
rng = random.Random(7)


def r6(v):
    """Six significant digits, as the library writes them."""
    return None if v is None else float(f"{v:.6g}")


def load_at(t):
    hour = (t // HOUR) % 24
    day = (t // DAY + 4) % 7  # 1970-01-01 was a Thursday; 0 is Monday
    return (1000 + 250 * math.sin((hour - 6) / 24 * 2 * math.pi)
            - (150 if day >= 5 else 0) + rng.gauss(0, 30))


def regular(start, n, gaps=()):
    values = [r6(load_at(start + i * HOUR)) for i in range(n)]
    for first, last in gaps:
        values[first:last + 1] = [None] * (last - first + 1)
    return {"start": start, "step": HOUR, "values": values}


def forecast(quantiles):
    hist = regular(T0, 14 * 24)
    start = T0 + len(hist["values"]) * HOUR
    point = [load_at(start + i * HOUR) for i in range(H)]
    z = {0.1: -1.28, 0.25: -0.67, 0.5: 0, 0.75: 0.67, 0.9: 1.28}
    return {"kind": "forecast", "history": hist, "filled": [[40, 45], [100, 101]],
            "forecast": {"start": start, "step": HOUR, "values": [r6(v) for v in point]},
            "quantiles": [{"level": q, "values": [r6(v + z[q] * 25 * math.sqrt(i + 1))
                                                 for i, v in enumerate(point)]}
                          for q in quantiles]}


def by(n, scale):
    return [r6(scale * (1 + 0.3 * math.sin(i) + 0.02 * i)) for i in range(n)]


def backtest(quantiles, large):
    n = 16 * 8766 if large else 60 * 24
    start = T0 + 365 * DAY
    actual = regular(start, n, gaps=[(500, 530)])
    names = ["maskcast", "seasonal_naive", "linear", "ets"]
    methods = [{"name": m,
                "metrics": {"mae": r6(40 + 9 * k), "rmse": r6(55 + 11 * k),
                            "mape": r6(4 + k), "smape": r6(4.1 + k),
                            "mase": r6(0.7 + 0.1 * k), "skill": r6(0.3 - 0.1 * k + 0.01),
                            "coverage": r6(0.79) if quantiles and k == 0 else None},
                "by_step": {"mape": by(H, 3 + k), "mae": by(H, 30 + 9 * k)},
                "by_hour": {"mae": by(24, 35 + 9 * k), "mape": by(24, 3.5 + k)},
                "by_weekday": {"mae": by(7, 38 + 9 * k), "mape": by(7, 3.8 + k)}}
               for k, m in enumerate(names)]
    methods[2]["by_step"]["mape"][5] = None  # nothing scored at that step

    def noisy(sd):
        return [None if v is None else r6(v + rng.gauss(0, sd)) for v in actual["values"]]
    section = {"kind": "backtest", "horizon": H, "step": HOUR, "origins": n // H,
               "train_end": start - HOUR, "methods": methods, "best_baseline": 1,
               "path": {"start": start, "step": HOUR, "actual": actual["values"],
                        "series": [{"name": "maskcast", "values": noisy(40)},
                                   {"name": "seasonal_naive", "values": noisy(70)}]},
               "worst_days": [{"day": start + d * 37 % (n // 24) * DAY,
                               "mape": r6(20 - d), "mae": r6(200 - 9 * d)} for d in range(10)],
               "reliability": None}
    if quantiles:
        section["reliability"] = {
            "levels": quantiles, "observed": [r6(q + rng.uniform(-0.04, 0.04)) for q in quantiles],
            "nominal": r6(quantiles[-1] - quantiles[0]),
            "coverage_by_step": [r6(0.82 - 0.004 * i) for i in range(H)]}
    return section


def explain(attention):
    groups = ["load lags", "temp", "calendar", "holidays"]
    inc = [[r6(abs(30 / (g + 1) * (1 + 0.1 * math.sin(s)))) for s in range(H)]
           for g in range(len(groups))]
    share = [[r6(inc[g][s] / sum(row[s] for row in inc)) for s in range(H)]
             for g in range(len(groups))]
    lags = 168
    att = None
    if attention:
        att = {"lags": lags, "values": [
            [r6(math.exp(-((l + 1 - (s + 1)) % 24) / 3) / 10 + (0.2 if l == 167 else 0))
             for l in range(lags)] for s in range(H)]}
    return {"kind": "explain", "horizon": H, "groups": groups, "increase": inc,
            "share": share, "mae": by(H, 40), "attention": att}


def anomalies():
    n = 90 * 24
    load = regular(T0, n, gaps=[(300, 305)])
    mask = [None if v is None else 1.0 for v in load["values"]]
    flagged = [700, 1500, 1501, 44]
    for i in flagged:
        load["values"][i] = r6(load["values"][i] * 1.8)
        for j in range(max(0, i - 3), min(n, i + 4)):
            mask[j] = r6(0.1 + 0.2 * abs(i - j))
    return {"kind": "anomalies", "load": load,
            "mask": {"start": T0, "step": HOUR, "values": mask}, "threshold": 3.5,
            "flagged": flagged, "scores": [9.1, 7.4, 6.2, 4.0],
            "recorded": [[698, 703], [1499, 1503]]}


def describe():
    n = 60 * 24
    cols = []
    for name, scale in (("load", 1.0), ("temp", 0.01)):
        s = regular(T0, n, gaps=[(900, 910)])
        s["values"] = [None if v is None else r6(v * scale) for v in s["values"]]
        obs = [v for v in s["values"] if v is not None]
        cols.append({"name": name, "series": s, "interpolated": [[120, 122], [400, 400]],
                     "seasonal": [[600, 623]], "missing": [[900, 910]], "outliers": [77, 1001],
                     "summary": {"observed": len(obs), "min": min(obs), "max": max(obs),
                                 "mean": r6(sum(obs) / len(obs)),
                                 "median": sorted(obs)[len(obs) // 2],
                                 "zeros": 0, "negatives": 0, "outliers": 2}})
    return {"kind": "describe",
            "report": {"file_rows": n - 30, "duplicate_rows": 3, "gap_rows": 30,
                       "off_grid_rows": 1, "was_sorted": True},
            "inserted": [[600, 623], [900, 905]], "merged": [200, 201, 1300], "columns": cols}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["forecast", "backtest", "explain", "anomalies",
                                     "describe", "all"])
    ap.add_argument("--point", action="store_true")
    ap.add_argument("--no-attention", action="store_true")
    ap.add_argument("--large", action="store_true")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    q = [] if a.point else LEVELS
    make = {"forecast": lambda: forecast(q), "backtest": lambda: backtest(q, a.large),
            "explain": lambda: explain(not a.no_attention), "anomalies": anomalies,
            "describe": describe}
    kinds = list(make) if a.kind == "all" else [a.kind]
    doc = {"format": "maskcast-report", "version": 1,
           "header": {"command": "maskcast report " + a.kind + " --csv data/sample_load.csv "
                                 "--target load -o report.html",
                      "data_file": "data/sample_load.csv", "model_file": "load.safetensors",
                      "time_column": "timestamp", "target": "load", "columns": ["temp"],
                      "model": {"kept": "blend", "horizon": H, "lookback": 168, "step": HOUR,
                                "quantiles": q},
                      "maskcast_version": "0.9.0", "created": "2026-12-05T20:15:00Z"},
           "sections": [make[k]() for k in kinds]}
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    if a.output == "-":
        print(text)
    else:
        with open(a.output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
