"""The book's figure helpers draw what they promise (headless)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from advseg import plot


def test_the_whole_ribcage_is_drawn_with_its_shapes():
    fig, ax = plt.subplots()
    plot.draw_ribcage(ax, input_size=44)
    texts = [t.get_text() for t in ax.texts]
    assert any("image I" in t for t in texts) and any("segmentation Γ" in t for t in texts)
    assert any("144 × 26 × 26 = 97,344" in t for t in texts)  # the FC head's input, as the package builds it
    assert sum("FC" in t for t in texts) == 3
    plt.close(fig)


def test_a_cross_entropy_history_draws_one_loss_line_and_says_there_is_no_discriminator():
    history = [{"kind": "train", "step_e": s, "loss_e": 1.0 / s, "ce": 1.0 / s} for s in (10, 20, 30)]
    history += [{"kind": "validation", "step_e": s, "val_paper_f": 0.5, "val_f1": 0.6} for s in (10, 20, 30)]
    fig = plot.plot_history(history)
    losses, outputs, _ = fig.axes
    assert [line.get_label() for line in losses.lines] == ["cross-entropy"]
    assert any("no discriminator" in t.get_text() for t in outputs.texts)
    plt.close(fig)


def test_validation_snapshots_are_thinned_to_a_few_panels():
    snapshots = [(step, np.full((3, 8, 8), 1 / 3)) for step in range(0, 600, 50)]
    fig = plot.plot_validation_snapshots(snapshots, np.zeros((8, 8)), max_panels=5)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 6 and titles[-1] == "step 550"
    plt.close(fig)


def test_the_protocol_strip_names_all_four_colours():
    from advseg.data.protocol import paper_protocol

    ax = plot.plot_protocol(paper_protocol(seed=0), n_train=4)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["evaluation", "validation", "training pool", "the 4 training frames"]
    plt.close(ax.figure)


def test_the_book_serves_its_own_mathjax():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "book" / "_ext" / "offline_mathjax.py"
    spec = importlib.util.spec_from_file_location("offline_mathjax", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["offline_mathjax"] = module
    spec.loader.exec_module(module)
    assert (module.mathjax_source() / "tex-mml-chtml.js").stat().st_size > 100_000
