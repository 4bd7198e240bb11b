"""Side-by-side comparison panels: image, manual and estimated segmentation, and the errors.

Two ways to look at the same previews (:mod:`advseg.experiment.previews`):
:func:`interactive_comparison` gives live ipywidgets controls in JupyterLab;
:func:`switcher_html` precomputes every panel as a small PNG and returns one
self-contained HTML block whose drop-downs switch between them, so the
comparison keeps working in the book's static HTML, with no kernel.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from advseg.evaluation.error_classes import ERROR_COLORS, classify_errors, error_map
from advseg.evaluation.metrics import matching
from advseg.experiment.grid import Cell
from advseg.experiment.previews import preview_window, read_preview
from advseg.plot.style import render_labels

__all__ = ["ComparisonSet", "comparison_images", "interactive_comparison", "load_comparison", "plot_comparison", "short_name",
           "switcher_html"]

PANELS = ("image", "manual", "estimated", "errors")


def _stretch(image: np.ndarray) -> np.ndarray:
    """(H, W) image scaled to [0, 1] between its 1st and 99.8th percentiles."""
    low, high = np.percentile(image, (1.0, 99.8))
    return np.clip((image.astype(float) - low) / max(high - low, 1e-9), 0.0, 1.0)


def _over(grey: np.ndarray, rgba: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB: ``rgba`` composited over a grey image."""
    alpha = rgba[..., 3:]
    return (1 - alpha) * grey[..., None] + alpha * rgba[..., :3]


def comparison_images(image: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, np.ndarray]:
    """The four panels as (H, W, 3) RGB arrays in [0, 1], keyed by :data:`PANELS`.

    Examples
    --------
    >>> y = np.zeros((8, 8), int); y[2:6, 2:6] = 1
    >>> {name: a.shape for name, a in comparison_images(y * 100.0, y, y).items()}
    {'image': (8, 8, 3), 'manual': (8, 8, 3), 'estimated': (8, 8, 3), 'errors': (8, 8, 3)}
    """
    grey = _stretch(np.asarray(image))
    return {
        "image": np.repeat(grey[..., None], 3, axis=2),
        "manual": _over(0.6 * grey, render_labels(y_true, alpha=0.6)),
        "estimated": _over(0.6 * grey, render_labels(y_pred, seed=1, alpha=0.6)),
        "errors": _over(0.6 * grey, error_map(y_true, y_pred)),
    }


def _error_text(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    """The error counts and the window's own F1 at IoU 0.5 (one-to-one matching), as one line."""
    counts = classify_errors(y_true, y_pred).counts()
    f1 = matching(y_true, y_pred, thresh=0.5).f1
    return ", ".join(f"{n} {name}" for name, n in counts.items()) + f"; F1@0.5 on this window {f1:.2f}"


def short_name(name: str, *, width: int = 16) -> str:
    """An image name short enough for a menu: DSB2018's 64-character hashes become their first characters.

    Examples
    --------
    >>> short_name("frame_012"), short_name("4ca5081854df7bbcaa4934fcf34318f82733a0f8c05b942c2265eea75419d62f")
    ('frame_012', '4ca5081854df…')
    """
    return name if len(name) <= width else name[: width - 4] + "…"


def plot_comparison(image: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, *, title: str = "") -> plt.Figure:
    """The four panels in a row, the error colours in a legend with their counts, and the panel's F1 at IoU 0.5."""
    fig, axes = plt.subplots(1, 4, figsize=(10, 3.0), constrained_layout=True)
    for ax, (name, rgb) in zip(axes, comparison_images(image, y_true, y_pred).items()):
        ax.imshow(rgb)
        ax.set_title(name)
        ax.set_axis_off()
    counts = classify_errors(y_true, y_pred).counts()
    handles = [plt.Rectangle((0, 0), 1, 1, color=ERROR_COLORS[name]) for name in ERROR_COLORS]
    axes[3].legend(handles, [f"{name} ({counts[name]})" for name in ERROR_COLORS], loc="upper left",
                   bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
    f1 = matching(y_true, y_pred, thresh=0.5).f1
    fig.suptitle(f"{title}; F1@0.5 {f1:.2f}" if title else f"F1@0.5 {f1:.2f}", fontsize=10)
    return fig


@dataclass(frozen=True, eq=False)
class ComparisonSet:
    """Everything the panels of one data set need."""

    data: str
    frames: dict[str, tuple[np.ndarray, np.ndarray]]  # image name -> (image, manual labels) inside the preview window
    predictions: dict[tuple[str, int, str], np.ndarray]  # (method, N_train, image name) -> predicted labels, same window
    shapes: dict[str, tuple[int, int]] | None = None  # image name -> the whole image's (H, W), when known

    def window_note(self, name: str) -> str:
        """Which part of image ``name`` the panels show."""
        h, w = self.frames[name][0].shape[:2]
        full = (self.shapes or {}).get(name)
        if full is None or tuple(full) == (h, w):
            return f"the whole image ({h} x {w} px)"
        return f"the centre {h} x {w} px of the {full[0]} x {full[1]} px image"

    @property
    def methods(self) -> list[str]:
        return sorted({m for m, _, _ in self.predictions})

    @property
    def n_trains(self) -> list[int]:
        return sorted({n for _, n, _ in self.predictions})


def load_comparison(data: str, *, results: str | os.PathLike, methods: Sequence[str], n_trains: Sequence[int],
                    preset: str = "cpu") -> ComparisonSet:
    """The seed-0 previews of ``methods`` x ``n_trains`` with their images and manual segmentations."""
    from advseg.data.paths import resolve_data
    from advseg.data.splits import make_splits

    evaluation = {s.name: s for s in make_splits(resolve_data(data), n_train=1, seed=0).evaluation}
    frames, predictions, shapes = {}, {}, {}
    for method in methods:
        for n_train in n_trains:
            preview = read_preview(Cell(seed=0, data=data, n_train=n_train, method=method, preset=preset), results=results)
            for name, labels in zip(preview.names, preview.labels) if preview else ():
                sample = evaluation[name]
                window = preview_window(sample.image.shape)
                frames[name] = (sample.image[window], sample.labels[window])
                shapes[name] = tuple(sample.image.shape[-2:])
                predictions[(method, n_train, name)] = labels
    return ComparisonSet(data=data, frames=frames, predictions=predictions, shapes=shapes)


def _png(array: np.ndarray) -> str:
    """A data URI of an (H, W) grey image or an (H, W, 4) RGBA overlay in [0, 1]."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.round(255 * np.clip(array, 0, 1)).astype(np.uint8)).save(buffer, format="png", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def switcher_html(comparison: ComparisonSet, *, uid: str) -> str:
    """One HTML block: three drop-downs (N_train, method, image) switching between precomputed panels.

    Each image is stored once; the segmentations and the errors are small
    transparent overlays laid over it. ``uid`` keeps several blocks on one
    page apart.
    """
    if not comparison.frames:
        return f"<p><em>No previews of {html.escape(comparison.data)} yet: run <code>advseg sweep</code>.</em></p>"
    frames = {name: {"image": _png(_stretch(image)), "manual": _png(render_labels(truth, alpha=0.6)),
                     "window": comparison.window_note(name)} for name, (image, truth) in comparison.frames.items()}
    choice = {}
    for (method, n_train, name), labels in comparison.predictions.items():
        truth = comparison.frames[name][1]
        choice[f"{method}|{n_train}|{name}"] = {"estimated": _png(render_labels(labels, seed=1, alpha=0.6)),
                                                "errors": _png(error_map(truth, labels)), "counts": _error_text(truth, labels)}
    selects = {"n": comparison.n_trains, "method": comparison.methods, "frame": list(comparison.frames)}
    options = {key: "".join(f'<option value="{html.escape(str(v))}">{html.escape(short_name(str(v)))}</option>' for v in values)
               for key, values in selects.items()}
    legend = " ".join(f'<span style="background:rgb{tuple(int(255 * c) for c in rgb)};padding:0 6px;">&nbsp;</span> {name}'
                      for name, rgb in ERROR_COLORS.items())
    style = "position:absolute;top:0;left:0;width:100%;image-rendering:pixelated;"
    figures = "".join(
        f'<figure style="margin:2px;"><div style="position:relative;"><img id="{uid}-{p}-bg" style="width:100%;display:block;'
        f'image-rendering:pixelated;" alt="image">' + ("" if p == "image" else f'<img id="{uid}-{p}" style="{style}" alt="{p}">')
        + f'</div><figcaption style="text-align:center;">{p}</figcaption></figure>' for p in PANELS)
    return f"""<div class="advseg-switcher" id="{uid}">
<p>N<sub>train</sub> <select id="{uid}-n">{options["n"]}</select>
method <select id="{uid}-method">{options["method"]}</select>
image <select id="{uid}-frame">{options["frame"]}</select></p>
<div style="display:grid;grid-template-columns:repeat(2,1fr);gap:4px;max-width:760px;">{figures}</div>
<p id="{uid}-window"></p><p id="{uid}-counts"></p><p>errors: {legend}</p>
<script>(function() {{
  const frames = {json.dumps(frames)}, choice = {json.dumps(choice)};
  const get = (k) => document.getElementById("{uid}-" + k);
  function update() {{
    const f = get("frame").value, c = choice[get("method").value + "|" + get("n").value + "|" + f];
    {" ".join(f'get("{p}-bg").src = frames[f].image;' for p in PANELS)}
    get("manual").src = frames[f].manual;
    get("estimated").src = c ? c.estimated : ""; get("errors").src = c ? c.errors : "";
    get("counts").textContent = c ? "objects: " + c.counts : "no preview for this choice yet";
    get("window").textContent = "showing " + frames[f].window + " (scores above are for this window)";
  }}
  ["n", "method", "frame"].forEach((k) => get(k).addEventListener("change", update));
  update();
}})();</script>
</div>"""


def interactive_comparison(comparison: ComparisonSet):  # -> ipywidgets.VBox
    """Live drop-downs (ipywidgets) that redraw :func:`plot_comparison` for the chosen panel.

    The figure is rendered to PNG and shown in an ``Image`` widget rather than
    captured by an ``Output`` widget: capturing display output while the cell
    runs left notebook executors (nbclient, hence the book build) waiting for
    the cell's end until their timeout.
    """
    import ipywidgets as widgets

    n_train = widgets.Dropdown(options=comparison.n_trains, description="N_train")
    method = widgets.Dropdown(options=comparison.methods, description="method")
    frame = widgets.Dropdown(options=[(short_name(n), n) for n in comparison.frames], description="image")
    picture = widgets.Image(format="png")
    message = widgets.HTML()

    def redraw(_=None) -> None:
        key = (method.value, n_train.value, frame.value)
        if key not in comparison.predictions:
            message.value, picture.value = "no preview for this choice yet", b""
            return
        image, truth = comparison.frames[frame.value]
        title = f"{comparison.data}: {key[0]}, N_train = {key[1]}; {comparison.window_note(frame.value)}"
        figure = plot_comparison(image, truth, comparison.predictions[key], title=title)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        plt.close(figure)
        message.value, picture.value = "", buffer.getvalue()

    for control in (n_train, method, frame):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([n_train, method, frame]), message, picture])
