"""Compare the raw TFLite outputs two machines gave for the same files (``edge_eval.py --save-outputs``).

Needs only numpy. Reads two ``.npz`` files written by ``edge_eval.py --save-outputs`` (keys ``<file stem>.<output
name>``, one row per reference spectrum, plus a ``meta`` JSON string naming the machine) and reports, for every
file and output both hold: the largest absolute difference and, for ``probabilities`` outputs, the top-1
agreement (fraction of spectra whose top class is the same on both machines).

Exit status 1 when a float32 file (its stem contains ``float32``) differs by more than ``--float32-tol``
(default 1e-5) on any output, when any file's top-1 class differs on any spectrum, or when an output is held by
one file only or with another shape; 0 otherwise.

Usage::

    python compare_outputs.py x86.npz arm64.npz
    python compare_outputs.py x86.npz arm64.npz --json
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def read_outputs(path) -> tuple:
    """``({"<stem>.<output>": array}, meta)`` of a ``--save-outputs`` file; a clear error when it is not one."""
    try:
        with np.load(path, allow_pickle=False) as data:
            outputs = {k: data[k] for k in data.files if k != "meta"}
            meta = json.loads(str(data["meta"])) if "meta" in data.files else {}
    except (OSError, ValueError) as error:
        raise SystemExit(f"compare_outputs: cannot read {path}: {error}")
    if not outputs or not all("." in k for k in outputs):
        raise SystemExit(f"compare_outputs: {path} holds no <file stem>.<output name> arrays: write it with "
                         "`edge_eval.py ... --save-outputs FILE.npz`")
    return outputs, meta


def compare(first: dict, second: dict, *, float32_tol: float = 1e-5) -> list:
    """One row per key of either file: ``max_abs_diff``, ``top1_agreement`` (``probabilities`` outputs) and
    ``problems`` (why the row fails; empty when it passes).

    >>> a = {"m_float32.probabilities": np.array([[0.6, 0.4], [0.3, 0.7]])}
    >>> b = {"m_float32.probabilities": np.array([[0.6, 0.4], [0.6, 0.4]])}
    >>> row = compare(a, b)[0]
    >>> row["top1_agreement"], row["problems"]
    (0.5, ['max |diff| 3.0e-01 > 1e-05 (float32)', 'top-1 differs on 1 of 2 spectra'])
    """
    rows = []
    for key in sorted(set(first) | set(second)):
        stem, output = key.split(".", 1)
        row = {"file": stem, "output": output, "max_abs_diff": None, "problems": []}
        rows.append(row)
        if key not in first or key not in second:
            row["problems"].append(f"only in the {'first' if key in first else 'second'} file")
            continue
        a, b = np.asarray(first[key], np.float64), np.asarray(second[key], np.float64)
        if a.shape != b.shape:
            row["problems"].append(f"shapes differ: {a.shape} against {b.shape}")
            continue
        row["max_abs_diff"] = float(np.abs(a - b).max()) if a.size else 0.0
        if "float32" in stem and not row["max_abs_diff"] <= float32_tol:  # `not <=`: a NaN fails too
            row["problems"].append(f"max |diff| {row['max_abs_diff']:.1e} > {float32_tol:g} (float32)")
        if output == "probabilities":
            same = a.argmax(axis=-1) == b.argmax(axis=-1)
            row["top1_agreement"] = float(same.mean())
            if not same.all():
                row["problems"].append(f"top-1 differs on {int((~same).sum())} of {same.size} spectra")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Compare two `edge_eval.py --save-outputs` files (numpy only).")
    parser.add_argument("first", help=".npz written by edge_eval.py --save-outputs (e.g. on x86)")
    parser.add_argument("second", help="the same files' outputs on another machine (e.g. arm64)")
    parser.add_argument("--float32-tol", type=float, default=1e-5,
                        help="largest absolute difference allowed for float32 files (default 1e-5)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    args = parser.parse_args(argv)
    (first, first_meta), (second, second_meta) = read_outputs(args.first), read_outputs(args.second)
    rows = compare(first, second, float32_tol=args.float32_tol)
    machines = [meta.get("machine", "?") for meta in (first_meta, second_meta)]
    if args.json:
        print(json.dumps({"first": {"path": args.first, **first_meta}, "second": {"path": args.second, **second_meta},
                          "rows": rows}, indent=1))
    else:
        print(f"{args.first} ({machines[0]}) against {args.second} ({machines[1]})")
        print(f"{'file':<24} {'output':<16} {'max abs diff':>12} {'top-1':>8}  verdict")
        for r in rows:
            diff = "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.2e}"
            top1 = f"{100 * r['top1_agreement']:.2f}%" if "top1_agreement" in r else "-"
            print(f"{r['file']:<24} {r['output']:<16} {diff:>12} {top1:>8}  {'; '.join(r['problems']) or 'ok'}")
    failed = [f"{r['file']}.{r['output']}" for r in rows if r["problems"]]
    if failed:
        print(f"compare_outputs: {len(failed)} output(s) differ beyond the limits: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
