"""The book's experiment: the Table 1 grid and its sweep, result files as DataFrames, the paper's claims,
budget and rerun comparisons, paper-versus-code differences, comparison panels and result plots.

It builds on the library (:mod:`advseg.data`, :mod:`advseg.nn`, :mod:`advseg.training`,
:mod:`advseg.evaluation`, :mod:`advseg.baselines`); the library never imports it.
Import its modules directly, e.g. ``from advseg.experiment.results import load_results``.
"""
