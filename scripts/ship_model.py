"""Copy a trained model file for committing, its weights stored in float16 (half the size; it still computes in float32).

Run: .venv/bin/python scripts/ship_model.py runs/sweep/cpu/dsb2018/recommended-flat-generalist/n365-s0/model.pt results/models/dsb2018-recommended-flat-generalist.pt
"""

from __future__ import annotations

import argparse
from pathlib import Path

from advseg.training.modelfile import to_float16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="an advseg model file (e.g. a run folder's model.pt)")
    parser.add_argument("out", help="where to write the copy")
    args = parser.parse_args()
    try:
        out = to_float16(args.model, args.out)
    except (FileNotFoundError, ValueError) as error:
        parser.exit(2, f"ship_model.py: error: {error}\n")
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB (from {Path(args.model).stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
