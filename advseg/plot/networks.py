"""Diagrams of the networks: one rib-cage block, and the whole rib-cage discriminator (the paper's Fig. 2)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from advseg.nn.discriminators import RIB_BLOCKS

__all__ = ["draw_rib_block", "draw_ribcage"]


def _box(ax: plt.Axes, x: float, y: float, w: float, h: float, text: str, colour: str, fontsize: float = 8.5) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.008", facecolor=colour, edgecolor="black",
                                linewidth=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax: plt.Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color="black", linewidth=0.8))


def draw_rib_block(ax: plt.Axes) -> plt.Axes:
    """Draw one rib-cage block: left and right ribs, and the centre (spine) that mixes them.

    The left rib carries the image, the right rib the segmentation.

    Returns
    -------
    Axes
    """

    boxes = {
        "left in\n(image side)": (0.05, 0.78), "centre in": (0.40, 0.78), "right in\n(segmentation side)": (0.75, 0.78),
        "conv-BN-lReLU\n(n filters)": (0.05, 0.45), "conv-BN-lReLU\n(n/2 filters)": (0.40, 0.45), "conv-BN-lReLU\n(n filters) ": (0.75, 0.45),
        "left out": (0.05, 0.08), "concat → centre out": (0.40, 0.08), "right out": (0.75, 0.08),
    }
    for label, (x, y) in boxes.items():
        colour = "#dbe9f6" if "conv" in label else "#f2f2f2"
        ax.add_patch(FancyBboxPatch((x, y), 0.2, 0.14, boxstyle="round,pad=0.01", facecolor=colour, edgecolor="black"))
        ax.text(x + 0.1, y + 0.07, label.strip(), ha="center", va="center", fontsize=9)
    arrows = [((0.15, 0.78), (0.15, 0.59)), ((0.50, 0.78), (0.50, 0.59)), ((0.85, 0.78), (0.85, 0.59)),
              ((0.15, 0.45), (0.15, 0.22)), ((0.50, 0.45), (0.50, 0.22)), ((0.85, 0.45), (0.85, 0.22)),
              ((0.25, 0.45), (0.42, 0.22)), ((0.75, 0.45), (0.58, 0.22))]
    for start, end in arrows:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="black"))
    ax.set(xlim=(0, 1), ylim=(0, 1), title="one rib-cage block")
    ax.axis("off")
    return ax


def draw_ribcage(ax: plt.Axes, *, input_size: int = 44, blocks: tuple[tuple[int, int], ...] = RIB_BLOCKS) -> plt.Axes:
    """Draw the whole rib-cage discriminator with its feature-map shapes: three blocks, flatten, FC head.

    The left rib reads the image crop, the right rib the segmentation (a
    one-hot manual map or the estimator's softmax), and the centre (spine)
    starts from their concatenation and, in every block, carries both ribs'
    outputs along with its own.

    Parameters
    ----------
    ax : Axes
    input_size : int, optional
        Side of the discriminator's input, px (the estimator's output: 44 for 64-px crops).
    blocks : tuple of (kernel, filters), optional
        The rib blocks (the original code's by default).

    Returns
    -------
    Axes
    """
    xs = {"left": 0.17, "centre": 0.5, "right": 0.83}
    channels = {"left": 1, "centre": 4, "right": 3}
    inputs = {"left": "image I", "centre": "concat(I, Γ)", "right": "segmentation Γ\n(manual or estimated)"}
    side, y, step = input_size, 0.93, 0.8 / (len(blocks) + 3)
    for name, x in xs.items():
        _box(ax, x, y, 0.26, 0.07, f"{inputs[name]}\n{channels[name]} × {side} × {side}", "#f2f2f2")
    for k, (kernel, filters) in enumerate(blocks, start=1):
        y_next = y - step
        side -= kernel - 1
        channels = {"left": filters, "right": filters, "centre": 2 * filters + filters // 2}
        for name, x in xs.items():
            _arrow(ax, (x, y - 0.04), (x, y_next + 0.04))
            conv = f"conv {kernel}×{kernel}, {filters // 2 if name == 'centre' else filters}"
            shape = f"{'+ both ribs: ' if name == 'centre' else ''}{channels[name]} × {side} × {side}"
            _box(ax, x, y_next, 0.26, 0.07, f"block {k}: {conv}\n{shape}", "#dbe9f6")
        _arrow(ax, (xs["left"] + 0.13, y_next), (xs["centre"] - 0.13, y_next))
        _arrow(ax, (xs["right"] - 0.13, y_next), (xs["centre"] + 0.13, y_next))
        y = y_next
    features = side * side * sum(channels.values())
    head = [f"concat + flatten: {sum(channels.values())} × {side} × {side} = {features:,}", "FC 64, leaky ReLU", "FC 64, leaky ReLU",
            "FC 1, sigmoid: D(I, Γ) = P(manual)"]
    for name, x in xs.items():
        _arrow(ax, (x, y - 0.04), (0.5 + 0.6 * (x - 0.5) * 0.3, y - step + 0.035))
    for text in head:
        y -= step * 0.75
        _box(ax, 0.5, y, 0.5, 0.055, text, "#fbe5d6")
        if text != head[-1]:
            _arrow(ax, (0.5, y - 0.028), (0.5, y - step * 0.75 + 0.028))
    ax.set(xlim=(0, 1), ylim=(min(y - 0.05, 0), 1), title="the rib-cage discriminator (the original code's three blocks)")
    ax.axis("off")
    return ax
