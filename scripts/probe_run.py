"""Train one adversarial run with the game probed after every validation, and keep the probes under results/probes.

Runs ``advseg train DATA --n-train N --seed S --preset PRESET --probe --evaluate`` (with
``--loss`` or ``--method``) into ``runs/probes/DATA/NAME-nN-sS`` and writes
``results/probes/PRESET/DATA/NAME-nN-sS.json``: the probe records, the run's provenance,
its evaluation and the training command (:func:`advseg.experiment.probing.save_probes`).
The chapter "Making the game work" reads these files.

Run: .venv/bin/python scripts/probe_run.py synthetic-h1299-v2 [--loss adversarial | --method adversarial-st]
     [--n-train 1] [--seed 0] [--preset cpu]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from advseg.data.paths import repository_root
from advseg.experiment.probing import save_probes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    recipe = parser.add_mutually_exclusive_group()
    recipe.add_argument("--loss", default="adversarial", choices=["adversarial", "hybrid"])
    recipe.add_argument("--method", help="a sweep method with a discriminator, e.g. adversarial-st")
    parser.add_argument("--n-train", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset", default="cpu")
    args = parser.parse_args()
    name = args.method or args.loss
    tag = f"{name}-n{args.n_train}-s{args.seed}"
    root = repository_root()
    run = Path("runs") / "probes" / args.data / tag
    recipe_flags = ["--method", args.method] if args.method else ["--loss", args.loss]
    command = ["advseg", "train", args.data, "--n-train", str(args.n_train), *recipe_flags, "--preset", args.preset,
               "--seed", str(args.seed), "--probe", "--evaluate", "--out", str(run)]
    subprocess.run([sys.executable, "-m", *command], check=True, cwd=root)
    out = save_probes(root / run, root / "results" / "probes" / args.preset / args.data / f"{tag}.json",
                      command=" ".join(command))
    print(f"probes kept in {out.relative_to(root)}")


if __name__ == "__main__":
    main()
