"""Figures: the book's style, label renderings, data and training panels (helpers return arrays or take ``ax=``).

The library never imports :mod:`advseg.experiment` or :mod:`advseg.cli`.
"""

from advseg.plot.style import plot_protocol, plot_sample, render_labels, set_style, show_crops
from advseg.plot.networks import draw_rib_block, draw_ribcage
from advseg.plot.synthetic import crop_around, outline, plot_background_drift, plot_brightness, plot_crops
from advseg.plot.training import plot_history, plot_prediction, plot_validation_snapshots

__all__ = ["crop_around", "draw_rib_block", "draw_ribcage", "outline", "plot_background_drift", "plot_brightness", "plot_crops", "plot_history", "plot_prediction", "plot_protocol", "plot_sample", "plot_validation_snapshots", "render_labels", "set_style", "show_crops"]
