"""The game through training, probed: what the discriminator rates, and the estimator's class fractions.

``advseg train ... --probe`` appends :func:`advseg.training.probes.probe_game`'s
measurements after every validation to ``probes.jsonl`` in its run folder.
:func:`save_probes` keeps them with the run's provenance as one small JSON file
under ``results/probes/``; :func:`probe_frame` reads such a file into a
DataFrame, :func:`plot_probes` draws it and :func:`diagnosis_table` sets each
hypothesis for the collapse (docs: adversarial-literature.md) beside its
measurement at the steps where the estimator worked and where it had collapsed.
:func:`foreground_table` reads the sweep's result files instead: how much of the
validation frames each selected model called nucleus, beside its test precision.
:func:`game_phases` reads a kept history (``records`` of
:func:`advseg.experiment.budget.save_validation_history`): D's outputs, how often
it was held back, the two losses and the validation scores, averaged over
stretches of training.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

__all__ = ["COLLAPSED_BELOW", "diagnosis_table", "foreground_table", "game_phases", "load_probes", "plot_probes", "probe_frame", "save_probes"]

COLLAPSED_BELOW = 0.1  # a validation paper F below this is a collapsed step

# (hypothesis, what is measured, the probe's columns; a row reads the mean of each column)
HYPOTHESES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("D wins on softness", "D's 'manual' probability: manual one-hot / estimate's softmax / its argmax / manual softened "
     "to the estimate's entropy", ("d_manual", "d_estimated", "d_argmax", "d_softened_manual")),
    ("softness is a sufficient cue", "how well the per-map entropy alone separates manual from estimated maps (1: perfectly)",
     ("entropy_separability",)),
    ("saturation", "D's accuracy (eval mode)", ("d_accuracy",)),
    ("'all contour' costs nothing", "D on manual maps with interior and contour swapped / D on manual maps",
     ("d_swapped_manual", "d_manual")),
    ("the estimator labels interior contour", "share of manual interior pixels the estimator labels contour / "
     "its contour fraction", ("interior_as_contour", "fraction_contour")),
    ("D ignores the image", "D on manual maps paired with another crop's image / with their own",
     ("d_mismatched_manual", "d_manual")),
    ("batch-norm leak", "D's accuracy in train mode on pure batches / on the mixed batch it trains on",
     ("d_accuracy_pure", "d_accuracy_mixed")),
)


def save_probes(run_dir: str | os.PathLike, out: str | os.PathLike, *, command: str) -> Path:
    """Keep a probed run's ``probes.jsonl`` with its provenance as one JSON file.

    Parameters
    ----------
    run_dir : path
        The run folder of ``advseg train ... --probe`` (``probes.jsonl`` and ``run.json`` inside;
        ``metrics.json`` too when it was trained with ``--evaluate``).
    out : path
        The file to write.
    command : str
        The command that made the run, kept beside its records.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    run_dir, out = Path(run_dir), Path(out)
    probes = run_dir / "probes.jsonl"
    if not probes.is_file():
        raise FileNotFoundError(f"`run_dir` must hold a probes.jsonl (train with --probe), {run_dir} has none")
    info = json.loads((run_dir / "run.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text()) if (run_dir / "metrics.json").is_file() else {}
    train = info["configs"]["train"]
    summary = {"data": info["data"], "loss": info["loss"], "n_train": info["n_train"], "seed": info["seed"],
               "preset": info["preset"], "device": info["device"], "commit": info["commit"], "command": command,
               "iterations": train["iterations"], "selected_step": metrics.get("selected_step"),
               "evaluation": metrics.get("evaluation"),
               "records": [json.loads(line) for line in probes.read_text().splitlines() if line.strip()]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary) + "\n")
    return out


def load_probes(path: str | os.PathLike) -> dict[str, Any]:
    """A file :func:`save_probes` wrote."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"`path` {path} is not a file")
    return json.loads(path.read_text())


def probe_frame(probes: dict[str, Any]) -> pd.DataFrame:
    """One row per probed step (``step_e``, ``val_paper_f``, every measurement) and a ``collapsed`` column."""
    frame = pd.DataFrame(probes["records"]).sort_values("step_e").reset_index(drop=True)
    return frame.assign(collapsed=frame["val_paper_f"] < COLLAPSED_BELOW)


def _means(rows: pd.DataFrame, columns: tuple[str, ...]) -> str:
    return " / ".join(f"{rows[c].mean():.2f}" for c in columns) if len(rows) else "—"


def diagnosis_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Each hypothesis, its measurement, and the mean at working and at collapsed steps (with how many of each).

    A step is collapsed when its validation paper F is below :data:`COLLAPSED_BELOW`.
    """
    working, collapsed = frame[~frame["collapsed"]], frame[frame["collapsed"]]
    return pd.DataFrame([{"hypothesis": name, "measured": what, f"working steps ({len(working)})": _means(working, columns),
                          f"collapsed steps ({len(collapsed)})": _means(collapsed, columns)}
                         for name, what, columns in HYPOTHESES])


def foreground_table(results: pd.DataFrame, *, data: str, methods: Sequence[str], n_train: int,
                     manual: float | None = None) -> pd.DataFrame:
    """Per method, seed by seed: the share of the validation frames its selected model called nucleus, and its test scores.

    A model selected on the paper's protocol (interiors only) can call much of the
    background contour and still be chosen; its nuclei, grown over that contour,
    are then false objects. This sets the selected model's foreground (interior
    or contour, from the result file's ``validation.val_foreground``) beside its
    precision and F1@0.5 on the evaluation frames.

    Parameters
    ----------
    results : DataFrame
        :func:`advseg.experiment.results.load_results`'s rows.
    data : str
    methods : sequence of str
        In the order of the rows; methods without a cell at ``n_train`` are left out.
    n_train : int
    manual : float, optional
        The annotated foreground share of the same validation frames (0-1), as a first row.

    Returns
    -------
    DataFrame
        ``method``, ``seeds`` and, per seed in seed order ("a / b / c", %), ``foreground, validation``,
        ``precision, test`` and ``F1@0.5, test``.
    """
    columns = {"validation.val_foreground": "foreground, validation (%)", "precision": "precision, test (%)",
               "f1": "F1@0.5, test (%)"}
    rows = [] if manual is None else [{"method": "manual", "seeds": "", "foreground, validation (%)": f"{100 * manual:.1f}"}]
    cells = results[(results["data"] == data) & (results["n_train"] == n_train)]
    for method in methods:
        mine = cells[cells["method"] == method].sort_values("seed")
        if "validation.val_foreground" not in mine or mine["validation.val_foreground"].isna().all():
            continue
        rows.append({"method": method, "seeds": " / ".join(str(int(s)) for s in mine["seed"])} | {
            name: " / ".join(f"{100 * v:.1f}" for v in mine[column]) for column, name in columns.items()})
    return pd.DataFrame(rows, columns=["method", "seeds", *columns.values()]).fillna("")


# (record key, column) of game_phases: training records, then validation records
PHASE_COLUMNS = (("d_manual", "D(manual)"), ("d_estimated", "D(estimated)"), ("d_held", "D steps held back (%)"),
                 ("loss_adv", "adversarial loss"), ("ce", "cross-entropy"), ("val_nuclei_f1", "nuclei F1@0.5, validation (%)"),
                 ("val_foreground", "called nucleus, validation (%)"))
PERCENT = {"d_held", "val_nuclei_f1", "val_foreground"}


def game_phases(history: dict[str, Any], *, bounds: Sequence[int] = (300, 1000)) -> pd.DataFrame:
    """Mean of each game measurement over stretches of training, from a kept history with ``records``.

    Parameters
    ----------
    history : dict
        One of :func:`advseg.experiment.budget.load_validation_histories`' entries, saved with
        ``train_records=True``.
    bounds : sequence of int, optional
        Estimator steps that end each stretch but the last (which ends at the history's last step).

    Returns
    -------
    DataFrame
        A row per stretch ("steps a-b"); a column per measurement the records hold (D's mean
        output on manual and estimated pairs in its steps, the share of its steps held back,
        the estimator's adversarial and cross-entropy losses, the validation nuclei F1@0.5 and
        share called nucleus), as text: percentages to 0.1, the rest to 0.001.
    """
    if "records" not in history:
        raise ValueError("`history` must hold its training records (saved with train_records=True), it has none")
    records = pd.DataFrame(history["records"])
    ends = [*bounds, int(records["step_e"].max())]
    rows = []
    for start, end in zip([0, *bounds], ends):
        stretch = records[(records["step_e"] > start) & (records["step_e"] <= end)]
        row = {"steps": f"{start + 1:,}-{end:,}"}
        for key, column in PHASE_COLUMNS:
            if key in stretch and stretch[key].notna().any():
                mean = float(stretch[key].mean())
                row[column] = f"{100 * mean:.1f}" if key in PERCENT else f"{mean:.3f}"
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


def plot_probes(frame: pd.DataFrame, *, title: str = "") -> plt.Figure:
    """Three panels over estimator steps: validation F and class use, D's ratings, D's accuracy.

    Collapsed steps (validation paper F below :data:`COLLAPSED_BELOW`) are shaded in every panel.
    """
    fig, axes = plt.subplots(3, 1, figsize=(8, 8.5), sharex=True, constrained_layout=True)
    steps = frame["step_e"]
    width = float(steps.diff().median()) if len(steps) > 1 else 1.0
    for ax in axes:
        for step in steps[frame["collapsed"]]:
            ax.axvspan(step - width / 2, step + width / 2, color="0.9", zorder=0)
    panels = (
        (("val_paper_f", "validation F (paper protocol)"), ("fraction_contour", "pixels labelled contour"),
         ("interior_as_contour", "manual interior labelled contour")),
        (("d_manual", "manual one-hot"), ("d_estimated", "estimate (softmax)"), ("d_argmax", "estimate's argmax (one-hot)"),
         ("d_softened_manual", "manual, softened to the estimate's entropy"),
         ("d_swapped_manual", "manual, interior and contour swapped"), ("d_mismatched_manual", "manual, another crop's image")),
        (("d_accuracy", "D accuracy (eval mode)"), ("d_accuracy_mixed", "train mode, mixed batch"),
         ("d_accuracy_pure", "train mode, pure batches"), ("entropy_separability", "entropy alone separates")),
    )
    labels = ("fraction", "D's 'manual' probability", "accuracy")
    for ax, panel, label in zip(axes, panels, labels):
        for column, name in panel:
            if column in frame:
                ax.plot(steps, frame[column], marker=".", label=name)
        ax.set(ylabel=label, ylim=(-0.03, 1.03))
        ax.legend(fontsize=7.5, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axes[-1].set_xlabel("estimator step (grey: collapsed, validation F < 0.1)")
    if title:
        axes[0].set_title(title)
    return fig
