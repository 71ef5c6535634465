#!/usr/bin/env python3
"""Scores flatline on the failure suite from the results score.sh left in OUT.

Usage (score.sh calls it): score.py OUT CASES_LIST HAS_FIX
The rules are written at the top of score.sh; this file only applies them."""
import collections
import json
import csv
import math
import os
import sys


def header(path):
    """The machine-readable lines of a case file's header comment."""
    meta = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                break
            body = line[1:].strip()
            for key in ("expect-verdict", "expect-causes", "fix", "kind", "reproduces"):
                if body.startswith(key + ":"):
                    meta[key] = body[len(key) + 1:].strip()
    meta["causes"] = [c.strip() for c in meta.get("expect-causes", "").split(",") if c.strip()]
    return meta


def runs(d):
    """One dict per run of a results directory (summary.csv), or None if it did not run."""
    status = open(d + ".status").read().strip() if os.path.exists(d + ".status") else "missing"
    if status == "unrunnable" or not os.path.exists(os.path.join(d, "summary.csv")):
        return None
    with open(os.path.join(d, "summary.csv")) as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["primary"] = r["causes"].split(";")[0] if r["causes"] else ""
        r["verified_primary"] = verified_cause(os.path.join(d, "runs", r["run"])) or r["primary"]
        r["fails"] = fails_for_real(os.path.join(d, "runs", r["run"]))
    return rows


def verified_cause(rd):
    """The primary cause verification gave the run's grid point (the cause whose fix
    verified), or None when its grid point was not verified or nothing verified."""
    try:
        with open(os.path.join(rd, "verdict.json")) as f:
            v = json.load(f).get("verification") or {}
    except (OSError, ValueError):
        return None
    return v.get("primary_cause") or None


def fails_for_real(rd):
    """NaN/Inf loss, or every output's spread below 10% of its targets' spread at the last
    saved epoch: the network ignores its input.  Independent of the detectors."""
    target_std = {}
    try:
        with open(os.path.join(rd, "run.result")) as f:
            section = None
            outs = []
            for line in f:
                line = line.strip()
                if line.startswith("["):
                    section = line
                elif section == "[data]" and line.startswith("outputs="):
                    outs = [o for o in line[8:].split(";") if o]
                elif section == "[data]" and line.startswith("target_std="):
                    vals = [float(v) for v in line[11:].split(";") if v]
                    target_std = dict(zip(outs, vals))
        with open(os.path.join(rd, "metrics.csv")) as f:
            rows = list(csv.DictReader(f))
    except (OSError, ValueError):
        return False
    if not rows:
        return False
    last = rows[-1]
    loss = float(last["loss"])
    if math.isnan(loss) or math.isinf(loss):
        return True
    flat = []
    for out, tstd in target_std.items():
        v = last.get(out + "_std")
        if v is None or tstd <= 0:
            continue
        s = float(v)
        flat.append(math.isnan(s) or s < 0.1 * tstd)
    return bool(flat) and all(flat)


def majority(rows, pred):
    return sum(1 for r in rows if pred(r)) >= 3


def top_primary(rows, key="primary"):
    counts = collections.Counter(r[key] for r in rows if r[key])
    if not counts:
        return "-"
    best = max(counts.values())
    for r in sorted(rows, key=lambda r: int(r["seed"])):
        if counts.get(r[key]) == best:
            return r[key]
    return "-"


def median_loss(rows):
    vals = sorted(float(r["final_loss"]) if r["final_loss"] not in ("", "nan") else float("nan")
                  for r in rows)
    return "%.3g" % vals[len(vals) // 2] if vals else "-"


def verdicts(rows):
    c = collections.Counter(r["verdict"] for r in rows)
    return "%dC/%dW/%dH" % (c["collapsed"], c["warning"], c["healthy"])


def pct(a, b):
    return "%5.1f%% (%d/%d)" % (100.0 * a / b, a, b) if b else "   - (0/0)"


def figures(table, has_fix, title):
    n = len(table)
    det = [t for t in table if t["detected"]]
    twins = [t for t in table if t["twin"] is not None]
    sane = [t for t in twins if not t["twin_fails"]]
    print("\nfigures over %s (5 seeds each):" % title)
    print("  detected (warning or collapsed, majority of 5):      %s" % pct(len(det), n))
    print("  primary cause right (over detected):                 %s" % pct(sum(t["right"] for t in det), len(det)))
    print("    after verification (the cause whose fix verified):  %s" % pct(sum(t["verified_right"] for t in det), len(det)))
    print("  false alarms on healthy twins (majority of 5):       %s" % pct(sum(t["alarm"] for t in twins), len(twins)))
    print("    on twins that do not themselves go flat:           %s" % pct(sum(t["alarm"] for t in sane), len(sane)))
    if has_fix:
        fx = [t for t in table if t["fixed_ran"]]
        print("  repaired by `flatline fix` (healthy, majority of 5): %s" % pct(sum(t["repaired"] for t in fx), n))
    else:
        print("  repaired by `flatline fix`:                          n/a (this flatline has no fix command)")


def main():
    out, listing, has_fix = sys.argv[1], sys.argv[2], sys.argv[3] == "yes"
    cases = [line.rstrip("\n").split("\t") for line in open(listing) if line.strip()]
    table = []
    skipped = []
    for path, stem in cases:
        meta = header(path)
        rows = runs(os.path.join(out, stem))
        if rows is None:
            skipped.append(stem)
            continue
        twin = runs(os.path.join(out, stem + "-twin"))
        fixed = runs(os.path.join(out, stem + "-fixed")) if has_fix else None
        det = majority(rows, lambda r: r["verdict"] in ("warning", "collapsed"))
        prim = top_primary(rows)
        table.append(dict(
            stem=stem, meta=meta, rows=rows, twin=twin, detected=det, primary=prim,
            right=det and prim in meta["causes"],
            verified_right=det and any(c in meta["causes"]
                                       for c in top_primary(rows, "verified_primary").split("+")),
            fails=majority(rows, lambda r: r["fails"]),
            alarm=twin is not None and majority(twin, lambda r: r["verdict"] in ("warning", "collapsed")),
            twin_fails=twin is not None and majority(twin, lambda r: r["fails"]),
            repaired=fixed is not None and majority(fixed, lambda r: r["verdict"] == "healthy"),
            fixed_ran=fixed is not None))

    print("%-34s %-4s %-11s %-11s %-19s %-5s %-20s %-26s %s" % (
        "case", "rep", "case runs", "twin runs", "loss case/twin", "flat", "flatline primary",
        "expected causes", "result"))
    for t in table:
        res = []
        res.append("detected" if t["detected"] else "MISSED")
        if t["detected"]:
            res.append("cause ok" if t["right"] else "CAUSE WRONG")
        if t["alarm"]:
            res.append("FALSE ALARM")
        if t["twin"] is not None and t["twin_fails"]:
            res.append("twin fails too")
        print("%-34s %-4s %-11s %-11s %-19s %-5s %-20s %-26s %s" % (
            t["stem"][:34], t["meta"].get("reproduces", "?")[:4], verdicts(t["rows"]),
            verdicts(t["twin"]) if t["twin"] is not None else "-",
            "%s/%s" % (median_loss(t["rows"]), median_loss(t["twin"]) if t["twin"] is not None else "-"),
            "yes" if t["fails"] else "no", t["primary"][:20],
            ",".join(t["meta"]["causes"])[:26], ", ".join(res)))
    if skipped:
        print("\nnot runnable with this flatline (config refused, e.g. conv layers): %d: %s"
              % (len(skipped), " ".join(skipped)))

    figures(table, has_fix, "all %d runnable cases" % len(table))
    rep = [t for t in table if not t["meta"].get("reproduces", "yes").startswith("no")]
    figures(rep, has_fix, "the %d runnable cases that reproduce (header: reproduces != no)" % len(rep))

    print("\nper expected primary cause:")
    print("  %-22s %6s %14s %14s %14s" % ("cause", "cases", "detected", "cause right", "false alarms"))
    groups = collections.OrderedDict()
    for t in sorted(table, key=lambda t: t["meta"]["causes"][0] if t["meta"]["causes"] else "?"):
        groups.setdefault(t["meta"]["causes"][0] if t["meta"]["causes"] else "?", []).append(t)
    for k, ts in groups.items():
        d = [t for t in ts if t["detected"]]
        tw = [t for t in ts if t["twin"] is not None]
        print("  %-22s %6d %14s %14s %14s" % (
            k, len(ts), "%d/%d" % (len(d), len(ts)), "%d/%d" % (sum(t["right"] for t in d), len(d)),
            "%d/%d" % (sum(t["alarm"] for t in tw), len(tw))))


if __name__ == "__main__":
    main()
