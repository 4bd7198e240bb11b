"""``advseg results``: the sweep's result files as tables (mean ± 95 % CI over seeds) or as one CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from advseg.training.presets import PRESETS

    parser = subparsers.add_parser(
        "results", help="print the sweep's tables, or write every result file as one CSV row",
        description="Read results/sweep (or --results) and print, as markdown, the paper's Table 1 beside ours, "
        "every method at every N_train and the paper's claims; --csv writes one row per result file instead.")
    parser.add_argument("--results", type=Path, default=Path("results/sweep"), help="result files (default results/sweep)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu", help="which preset's tables (default cpu)")
    parser.add_argument("--metric", default="paper_f", help="metric of the per-method tables (default paper_f; "
                        "also paper_precision, paper_recall, f1, f1@0.75, ap, pq, seg)")
    parser.add_argument("--csv", type=Path, help="write every result file (all presets) as one CSV row here, print no tables")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from advseg.experiment.claims import GAME_CLAIMS, claim_table
    from advseg.experiment.results import METRICS, load_results
    from advseg.experiment.tables import markdown_table, method_table, paper_comparison

    if args.metric not in METRICS:
        raise SystemExit(f"advseg results: --metric must be one of {', '.join(METRICS)}, got {args.metric!r}")
    if args.csv is not None:
        frame = load_results(args.results)
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(args.csv, index=False)
        print(f"{len(frame)} result files -> {args.csv}")
        return 0
    results = load_results(args.results, preset=args.preset)
    data = sorted(results["data"].unique(), key=lambda d: (not d.startswith("synthetic-h1299"), d != "synthetic-h1299-v2", d))
    for name in data:
        print(f"## {name}: Table 1 side by side (paper protocol, %)\n\n{markdown_table(paper_comparison(results, data=name))}\n")
        print(f"## {name}: {args.metric} (%), mean ± 95 % CI (seeds)\n\n"
              f"{markdown_table(method_table(results, data=name, metric=args.metric))}\n")
    print(f"## the paper's claims\n\n{markdown_table(claim_table(results, data=data))}\n")
    print(f"## a stable game's claims\n\n{markdown_table(claim_table(results, data=data, claims=GAME_CLAIMS))}")
    return 0
