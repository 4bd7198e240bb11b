"""``advseg train``: train an estimator on a few annotated images."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from advseg.cli.options import output_path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from advseg.evaluation.postprocess import POSTPROCESSORS
    from advseg.training.methods import VALIDATION_IMAGES
    from advseg.training.presets import PRESETS

    parser = subparsers.add_parser("train", help="train an estimator (adversarially, or with cross-entropy)")
    parser.add_argument("data", help="'synthetic-h1299' (the embedded set, paper protocol; '-v1' or '-v2' picks a generator version) or a data set folder")
    parser.add_argument("--n-train", type=int, required=True, help="annotated images to train on (the paper: 1, 2, 4 or 11)")
    parser.add_argument("--loss", choices=["adversarial", "ce", "hybrid"],
                        help="train the paper's estimator with this loss (adversarial: the paper) instead of the recommended method")
    parser.add_argument("--method", help="a named recipe of the sweep (loss, configuration fields, post-processing), e.g. "
                        "adversarial-sn or unet-ce-ws (an unknown name lists them all); --set fields add to it. Default, "
                        "without --loss: recommended-flat-fit (a three-level U-Net with cross-entropy, the background flattened, the cut of "
                        "touching nuclei fitted on the validation frames; its training steps in bfloat16 where the CPU computes in it; "
                        "--set fields change it)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu",
                        help="cpu: minutes on 2 cores (cpu-2x, cpu-4x: its steps doubled, quadrupled); paper: the paper's budget (GPU)")
    parser.add_argument("--out", type=output_path, required=True, help="run folder (model.pt, history.jsonl, metrics.json, run.json)")
    parser.add_argument("--iterations", type=int, help="estimator steps (default: the preset's)")
    parser.add_argument("--batch-size", type=int, help="crops per estimator step (default: the preset's)")
    parser.add_argument("--seed", type=int, help="default 0")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], help="default auto: CUDA when present")
    parser.add_argument("--set", dest="options", action="append", default=[], metavar="FIELD=VALUE", type=_option,
                        help="a ModelConfig/DataConfig/TrainConfig field, e.g. --set estimator=unet --set normalize=percentile "
                        "(repeatable; VALUE as JSON: 64, 1e-4, true, [1,2,3], null; checked against the field's type)")
    parser.add_argument("--binary-masks", action="store_true",
                        help="masks are binary (0/255): label their connected regions as nuclei (refused otherwise)")
    parser.add_argument("--validation-images", type=_validation_images, default=VALIDATION_IMAGES, metavar="N|all",
                        help=f"select the model (and fit the cut) on the first N validation images, or all of them "
                        f"(default {VALIDATION_IMAGES}, as the sweep's cells; 'all' validates slower on a large folder)")
    parser.add_argument("--evaluate", action="store_true", help="score the selected model on every evaluation image at the end")
    parser.add_argument("--probe", action="store_true", help="after every validation, probe the game (what D tells apart, the "
                        "estimator's class fractions) into probes.jsonl in --out (adversarial and hybrid losses)")
    parser.add_argument("--postprocess", choices=sorted(POSTPROCESSORS),
                        help="how --evaluate makes nuclei from probabilities (default: the method's, else paper); "
                        "watershed-fit also fits the cut of touching nuclei on the validation frames and records it in "
                        "the model for advseg segment")
    parser.add_argument("--min-size", type=_min_size_value, metavar="PX|relative",
                        help="the smallest nucleus kept, px, or 'relative' (a tenth of the median training nucleus's area, at most 50); "
                        "recorded in the model for advseg segment (default: the method's; 50 for the paper's estimator)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    group.add_argument("--overwrite", action="store_true", help="replace a previous run in --out")
    parser.set_defaults(handler=run)


def _count_or(word: str, *, unit: str, means: object):
    """An argparse type: a positive whole number of ``unit``, or ``word``, which stands for ``means``."""
    def parse(text: str) -> object:
        if text == word:
            return means
        if not text.isdigit() or int(text) < 1:
            raise argparse.ArgumentTypeError(f"must be a positive whole number of {unit} or '{word}', got {text!r}")
        return int(text)
    return parse


_validation_images = _count_or("all", unit="images", means=None)
_min_size_value = _count_or("relative", unit="pixels", means="relative")


def _option(text: str) -> tuple[str, object]:
    """``FIELD=VALUE`` with VALUE read as JSON when it parses (numbers, true/false, lists), else as a string.

    The value's type is checked against the field later, before anything is
    written (:func:`advseg.training.presets.apply_options`).
    """
    field, sep, value = text.partition("=")
    if not sep or not field:
        raise argparse.ArgumentTypeError(f"expected FIELD=VALUE, got {text!r}")
    try:
        return field, json.loads(value)
    except ValueError:
        return field, value


def _method(args: argparse.Namespace) -> tuple[str | None, dict[str, object], str, int | None]:
    """Loss, configuration fields, post-processing and smallest nucleus from ``--method`` (if any), ``--loss``, ``--set``,
    ``--postprocess`` and ``--min-size``."""
    from advseg.evaluation.postprocess import PAPER_MIN_SIZE
    from advseg.training.methods import DEFAULT_METHOD, METHODS

    options = dict(args.options)
    if args.method is None and not _uses_default(args):
        return args.loss, options, args.postprocess or "paper", _min_size(args, PAPER_MIN_SIZE)  # the paper's estimator
    if args.method is None:  # the default: the recommended method, which --set fields may change
        method = METHODS[DEFAULT_METHOD]
        print(f"method: {DEFAULT_METHOD} (the default; --loss adversarial trains the paper's estimator and loss)")
    else:
        method = METHODS.get(args.method)
    if method is None or not method.is_estimator:
        names = sorted(name for name, m in METHODS.items() if m.is_estimator)
        raise ValueError(f"`--method` must name an estimator method ({', '.join(names)}), got {args.method!r}")
    if args.loss is not None and args.loss != method.loss:
        raise ValueError(f"`--loss {args.loss}` contradicts `--method {args.method}`, which trains with {method.loss!r}")
    for field, value in method.options if args.method is not None else ():  # the default's fields give way to --set
        if field in options and options[field] != value:
            raise ValueError(f"`--set {field}={options[field]}` contradicts `--method {args.method}`, which sets {field}={value!r}")
    fields = _flags_win(args, dict(method.options))
    if args.method is None and "bf16_cpu" not in options:
        flag = _bfloat16_cpu(args)
        if flag:  # the default's steps in bfloat16 where the CPU computes in it: as good, about 2x faster
            fields["bf16_cpu"] = True
            print(f"training steps in bfloat16: this CPU computes in it ({flag}); --set bf16_cpu=false trains in float32")
    return method.loss, fields | options, args.postprocess or method.postprocess, _min_size(args, method.min_size)


def _bfloat16_cpu(args: argparse.Namespace) -> str | None:
    """The CPU flag that says the run's CPU computes in bfloat16, when the run is on the CPU (None otherwise)."""
    import torch

    from advseg.utils import cpu_bfloat16

    on_cpu = args.device == "cpu" or (args.device in (None, "auto") and not torch.cuda.is_available())
    return (cpu_bfloat16() or None) if on_cpu else None


def _bf16_hint(args: argparse.Namespace, options: dict[str, object]) -> str | None:
    """A line for a CPU run of a named method in float32 on a CPU that computes in bfloat16 (None otherwise)."""
    flag = _bfloat16_cpu(args) if "bf16_cpu" not in options else None
    if not flag:
        return None
    return (f"this CPU computes in bfloat16 ({flag}): --set bf16_cpu=true makes the training steps about 2x faster "
            "(the results chapter measures what it changes)")


def _uses_default(args: argparse.Namespace) -> bool:
    """Whether no --method, --loss or --set loss names a recipe, so the default method trains."""
    return args.method is None and args.loss is None and "loss" not in dict(args.options)


def _min_size(args: argparse.Namespace, default: int | None) -> int | None:
    """``--min-size``: a number of pixels, 'relative' (None) or, when not given, the method's."""
    if args.min_size is None:
        return default
    return None if args.min_size == "relative" else int(args.min_size)


def _flags_win(args: argparse.Namespace, fields: dict[str, object]) -> dict[str, object]:
    """A method's fields less those that --iterations, --batch-size, --seed or --device give."""
    return {field: value for field, value in fields.items()
            if field not in ("iterations", "batch_size", "seed", "device") or getattr(args, field) is None}


def run(args: argparse.Namespace) -> int:
    from advseg.training.runs import train_run

    fields = [field for field, _ in args.options]
    twice = sorted({field for field in fields if fields.count(field) > 1})
    if twice:
        raise ValueError(f"`--set {twice[0]}` is given more than once; give each field once")
    loss, options, postprocess, min_size = _method(args)
    hint = _bf16_hint(args, options)
    if hint:
        print(hint)
    callbacks = []
    if args.probe:
        from advseg.training.probes import probe_callback

        if (loss or options.get("loss")) == "ce":
            from advseg.training.methods import DEFAULT_METHOD

            default = f" (the default method, {DEFAULT_METHOD}, trains with cross-entropy: add --loss adversarial)" \
                if _uses_default(args) else ""
            raise ValueError(f"`--probe` probes the discriminator; a cross-entropy run has none{default}")
        callbacks.append(probe_callback())
    result = train_run(
        args.data, n_train=args.n_train, out=args.out, loss=loss, preset=args.preset,
        iterations=args.iterations, batch_size=args.batch_size, seed=args.seed, device=args.device,
        resume=args.resume, overwrite=args.overwrite, options=options,
        validation_images=args.validation_images, evaluate_images=None if args.evaluate else 0, postprocess=postprocess, min_size=min_size,
        binary_masks=args.binary_masks, callbacks=callbacks,
    )
    validation = result.metrics["validation"]
    print(f"selected step {result.metrics['selected_step']}: validation paper F {validation['val_paper_f']:.3f}, "
          f"F1@0.5 {validation['val_f1']:.3f} ({result.metrics['train_seconds']:.0f} s of training)")
    used = result.metrics["n_validation"]
    chosen = f"; the first {used} chose the model (--validation-images)" if used < len(result.splits.validation) else ""
    print(f"frames: {result.splits.rule}{chosen}")
    print(f"wrote {result.run_dir / 'model.pt'} and {result.run_dir / 'metrics.json'}")
    print(json.dumps(result.metrics["validation"]))
    if result.evaluation is not None:
        print(result.evaluation.table())
    elif args.evaluate:
        print("not scored: no annotated frame is left for it (see frames above)")
    return 0
