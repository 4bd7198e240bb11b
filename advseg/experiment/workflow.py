"""The Table 1 sweep as a Snakemake workflow: the configured grids, and the front-end ``advseg sweep`` calls.

``workflow/config.yaml`` lists grids (data sets x methods x N_train x seeds at
one preset); ``workflow/Snakefile`` makes every cell of every grid a target,
its result file ``<results>/<preset>/<data>/<method>/n<N>-s<seed>.json``, and
runs each missing one through ``advseg sweep-cell``
(:func:`advseg.experiment.sweep.run_cell`). Snakemake decides what is done
(the file exists), resumes, dry-runs, keeps going past a failed cell, and
sends cells to local cores, a GPU or a SLURM cluster:

.. code-block:: bash

    snakemake --cores 2                          # a laptop (-n: what would run)
    snakemake --cores 16 --resources gpu=1       # a GPU workstation
    snakemake --profile workflow/profiles/slurm  # a SLURM cluster

:func:`run_workflow` runs the same workflow through Snakemake's Python API,
with the settings of ``workflow/profiles/default`` (which the ``snakemake``
command reads by itself).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from advseg.data.embedded import canonical_data
from advseg.data.paths import repository_root
from advseg.experiment.grid import Cell, grid

__all__ = ["CONFIG", "PROFILE", "SNAKEFILE", "configured_cells", "data_locations", "load_config", "run_workflow"]

SNAKEFILE = Path("workflow") / "Snakefile"  # relative to the repository root, as the other two
CONFIG = Path("workflow") / "config.yaml"
PROFILE = Path("workflow") / "profiles" / "default" / "config.yaml"  # read by `snakemake` by itself
GRID_KEYS = ("name", "preset", "data", "methods", "n_train", "seeds")
CELL_RULES = ("estimator_cell", "baseline_cell")  # the Snakefile's rules that run a cell


def load_config(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The workflow's configuration (``workflow/config.yaml`` by default) as a dict."""
    import yaml

    return yaml.safe_load(Path(repository_root() / CONFIG if path is None else path).read_text())


def _check_grid(spec: Any, index: int) -> None:
    if not isinstance(spec, Mapping):
        raise ValueError(f"`grids[{index}]` must be a mapping with keys {', '.join(GRID_KEYS)}, got {spec!r}")
    missing = [k for k in GRID_KEYS[1:] if k not in spec]
    unknown = [k for k in spec if k not in GRID_KEYS]
    if missing or unknown:
        raise ValueError(f"`grids[{index}]` ({spec.get('name', 'unnamed')}) must have the keys {', '.join(GRID_KEYS[1:])} "
                         f"(and optionally name); missing {missing}, unknown {unknown}")


def configured_cells(config: Mapping[str, Any]) -> list[Cell]:
    """Every cell of every grid in ``config["grids"]``, in order, each once.

    Raises
    ------
    ValueError
        If a grid lacks a key, names an unknown method, or two data sets share a folder name.

    Examples
    --------
    >>> config = {"grids": [{"preset": "cpu", "data": ["dsb2018"], "methods": ["ce", "watershed"], "n_train": [1],
    ...                      "seeds": [0, 1]}]}
    >>> [(c.method, c.name) for c in configured_cells(config)]
    [('ce', 'n1-s0'), ('watershed', 'n1-s0'), ('ce', 'n1-s1'), ('watershed', 'n1-s1')]
    """
    cells: dict[Cell, None] = {}
    for index, spec in enumerate(config.get("grids") or []):
        _check_grid(spec, index)
        cells |= dict.fromkeys(grid(data=spec["data"], methods=spec["methods"], n_train=spec["n_train"],
                                    seeds=spec["seeds"], preset=spec["preset"]))
    data_locations(config)  # two folders with one name would share result files
    return list(cells)


def data_locations(config: Mapping[str, Any]) -> dict[str, str]:
    """What each data set name of a result path stands for: the name itself, or the configured folder.

    Examples
    --------
    >>> data_locations({"grids": [{"data": ["dsb2018", "/data/my-nuclei", "synthetic-h1299"]}]})
    {'dsb2018': 'dsb2018', 'my-nuclei': '/data/my-nuclei', 'synthetic-h1299-v2': 'synthetic-h1299-v2'}
    """
    locations: dict[str, str] = {}
    for spec in config.get("grids") or []:
        for data in map(canonical_data, spec.get("data", ())):  # the synthetic set's alias becomes its version
            name = Path(data).name
            if locations.setdefault(name, data) != data:
                raise ValueError(f"`data` {data!r} and {locations[name]!r} have the same name {name!r}, "
                                 "so their cells would share result files; rename one folder")
    return locations


def run_workflow(
    config: Mapping[str, Any] | None = None, *, cores: int = 1, gpus: int | None = None,
    force: bool = False, dry_run: bool = False, targets: Iterable[str] = ("all",),
) -> bool:
    """Run ``workflow/Snakefile`` from the repository root through Snakemake's API; True when every job succeeded.

    Parameters
    ----------
    config : mapping, optional
        Keys that replace those of ``workflow/config.yaml`` (e.g. ``grids``, ``results``, ``runs``).
    cores : int
        CPU cores the cells share (``snakemake --cores``).
    gpus : int, optional
        The ``gpu`` resource: estimator cells on the GPU at once (``--resources gpu=N``); unlimited when None.
    force : bool
        Run the targeted cells again even if they have result files (``--forcerun`` of the cell rules).
    dry_run : bool
        Only print what would run and each cell's state (``-n`` and ``--summary``).
    targets : iterable of str
        Rules or result files (``all``: every configured cell).
    """
    import yaml
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings, DAGSettings, ExecutionSettings, OutputSettings, RerunTrigger, ResourceSettings,
    )

    if cores < 1:
        raise ValueError(f"`cores` must be at least 1, got {cores}")
    root = repository_root()
    profile = yaml.safe_load((root / PROFILE).read_text())  # the settings `snakemake` reads by itself
    triggers = frozenset(RerunTrigger.parse_choice(t) for t in profile["rerun-triggers"])
    resources = {} if gpus is None else {"gpu": gpus}
    with SnakemakeApi(OutputSettings(printshellcmds=bool(profile.get("printshellcmds")))) as api:
        try:
            workflow = api.workflow(
                resource_settings=ResourceSettings(cores=cores, resources=resources),
                config_settings=ConfigSettings(config=dict(config or {})),
                snakefile=root / SNAKEFILE, workdir=root)
            dag = workflow.dag(DAGSettings(targets=frozenset(targets), rerun_triggers=triggers,
                                           forcerun=frozenset(CELL_RULES if force else ())))
            if dry_run:
                dag.summary()
            dag.execute_workflow(executor="local", pseudo_executor="dryrun" if dry_run else None,
                                 execution_settings=ExecutionSettings(keep_going=bool(profile.get("keep-going"))))
        except Exception as error:  # a failed cell (reported above), or an error in the Snakefile or its config
            api.print_exception(error)
            return False
    return True
