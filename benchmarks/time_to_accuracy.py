"""Wall time for the cpu preset to reach F >= 0.80 (paper protocol) on frames it never trained on.

Trains on N_train synthetic frames with each loss, validates every 50 estimator steps on
the 4 validation frames, and reports the first validation at or above the target, the
selected model's validation F and its paper-protocol F on all 57 evaluation frames.

Run: .venv/bin/python benchmarks/time_to_accuracy.py [--losses adversarial,hybrid,ce] [--n-train 1]
"""

from __future__ import annotations

import argparse

from advseg.training.runs import train_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--losses", default="adversarial,hybrid,ce")
    parser.add_argument("--n-train", type=int, default=1)
    parser.add_argument("--target", type=float, default=0.80)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/time_to_accuracy")
    args = parser.parse_args()
    rows = []
    for loss in args.losses.split(","):
        result = train_run("synthetic-h1299", n_train=args.n_train, loss=loss, preset="cpu", seed=args.seed,
                           out=f"{args.out}/{loss}", overwrite=True, progress=False, evaluate_images=None)
        validations = [r for r in result.trainer.history if r["kind"] == "validation"]
        curve = " ".join(f"{r['val_paper_f']:.2f}" for r in validations)
        reached = next((r for r in validations if r["val_paper_f"] >= args.target), None)
        when = f"{reached['seconds']:.0f} s (step {reached['step_e']})" if reached else "not reached"
        m = result.metrics
        rows.append((loss, when, m["validation"]["val_paper_f"], m["evaluation"]["paper"]["f"], m["evaluation"]["f1"], m["train_seconds"], curve))
        print(f"{loss}: validation paper F every 50 steps: {curve}", flush=True)
    print(f"\nN_train = {args.n_train}, cpu preset, seed {args.seed}; target paper-protocol F >= {args.target}")
    print(f"{'loss':<12}{'time to target':>22}{'val F (sel.)':>14}{'eval F (57)':>13}{'eval F1@0.5':>13}{'train s':>9}")
    for loss, when, val_f, eval_f, eval_f1, seconds, _ in rows:
        print(f"{loss:<12}{when:>22}{val_f:>14.3f}{eval_f:>13.3f}{eval_f1:>13.3f}{seconds:>9.0f}")


if __name__ == "__main__":
    main()
