"""The sweep as a Snakemake workflow: the committed cells are done, small grids run, resume and survive a failure."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from advseg.experiment.grid import Cell
from advseg.experiment.workflow import configured_cells, data_locations, load_config

ROOT = Path(__file__).resolve().parent.parent


def snakemake(*args: str) -> subprocess.CompletedProcess:
    """``snakemake ARGS`` from the repository root, as the README runs it (the default profile applies)."""
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=ROOT, capture_output=True, text=True)


def smoke_config(tmp_path: Path, *, data: list[str], n_train: list[int], seeds: list[int]) -> Path:
    """A config file of one grid of watershed cells (seconds each), writing under ``tmp_path``."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "results": str(tmp_path / "results"), "runs": str(tmp_path / "runs"),
        "grids": [{"name": "smoke", "preset": "cpu", "data": data, "methods": ["watershed"], "n_train": n_train,
                   "seeds": seeds}]}))
    return path


def committed_cells() -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / "results/sweep").rglob("*.json")}


def test_the_config_declares_every_committed_cell():
    config = load_config()
    declared = {c.result_path(config["results"]).as_posix() for c in configured_cells(config)}
    assert committed_cells() <= declared, sorted(committed_cells() - declared)


def test_every_committed_cell_is_done_in_the_dry_run():
    committed = sorted(committed_cells())
    dry = snakemake("-n", "--nolock", *committed)
    assert dry.returncode == 0, dry.stderr
    assert "Nothing to be done (all requested files are present and up to date)." in dry.stdout + dry.stderr
    summary = snakemake("--summary", "--nolock")
    rows = {line.split("\t")[0]: line.split("\t") for line in summary.stdout.splitlines() if line.startswith("results/")}
    assert set(committed) <= set(rows)
    assert {(rows[c][-2], rows[c][-1]) for c in committed} == {("ok", "no update")}


def test_estimator_cells_run_the_notebook_with_a_gpu_and_baselines_without():
    dry = snakemake("-n", "--nolock", "--force",
                    "results/sweep/paper/synthetic-h1299-v1/ce/n1-s0.json", "results/sweep/cpu/dsb2018/ilastik-style/n2-s1.json")
    out = dry.stdout + dry.stderr
    assert dry.returncode == 0, out
    assert re.search(r"baseline_cell +1\nestimator_cell +1\ntotal +2\n", out), out
    estimator = out[out.index("rule estimator_cell:"):]
    assert "gpu=1" in estimator.split("Shell command:")[0]
    assert ("-m advseg sweep-cell synthetic-h1299-v1 ce --n-train 1 --seed 0 --preset paper --results results/sweep "
            "--runs runs/sweep --preview --threads 1") in estimator
    baseline = out[out.index("rule baseline_cell:"):]
    assert "gpu=0" in baseline.split("Shell command:")[0] and "--preview" not in baseline.split("\n\n")[0]
    assert "log: runs/sweep/cpu/dsb2018/ilastik-style/n2-s1/log.txt" in baseline


def test_data_set_folders_keep_their_name_and_must_not_collide():
    assert data_locations({"grids": [{"data": ["synthetic-h1299", "/x/my-set"]}]})["my-set"] == "/x/my-set"
    with pytest.raises(ValueError, match="`data` '/y/my-set' and '/x/my-set' have the same name 'my-set'"):
        data_locations({"grids": [{"data": ["/x/my-set"]}, {"data": ["/y/my-set"]}]})
    with pytest.raises(ValueError, match=r"`grids\[0\]` \(g\) must have the keys .* missing \['seeds'\]"):
        configured_cells({"grids": [{"name": "g", "preset": "cpu", "data": ["dsb2018"], "methods": ["ce"], "n_train": [1]}]})


@pytest.mark.slow
def test_a_two_cell_grid_runs_end_to_end_and_a_second_run_does_nothing(tmp_path):
    config = smoke_config(tmp_path, data=["synthetic-h1299"], n_train=[1], seeds=[0, 1])
    first = snakemake("--cores", "2", "--configfile", str(config))
    assert first.returncode == 0, first.stderr
    cells = [Cell(seed=s, data="synthetic-h1299-v2", n_train=1, method="watershed") for s in (0, 1)]
    results = [json.loads(c.result_path(tmp_path / "results").read_text()) for c in cells]
    assert [r["cell"]["seed"] for r in results] == [0, 1]
    assert results[1]["regenerate"] == ("advseg sweep --data synthetic-h1299-v2 --methods watershed --n-train 1 --seeds 1 "
                                        "--preset cpu --force")
    assert results[1]["command"].startswith(f"advseg baseline watershed synthetic-h1299-v2 --n-train 1 --seed 1 "
                                            f"--postprocess paper --out {tmp_path}/runs/cpu/synthetic-h1299-v2/watershed/n1-s1")
    assert results[1]["cpu_threads"] == 1 and results[1]["evaluation"]["n_images"] == 57
    assert cells[0].result_path(tmp_path / "results").with_suffix(".preview.npz").is_file()  # seed 0 only
    assert not cells[1].result_path(tmp_path / "results").with_suffix(".preview.npz").exists()
    assert "watershed on 57 evaluation images" in (tmp_path / "runs/cpu/synthetic-h1299-v2/watershed/n1-s0/log.txt").read_text()
    mtimes = [c.result_path(tmp_path / "results").stat().st_mtime_ns for c in cells]
    second = snakemake("--cores", "2", "--configfile", str(config))
    assert second.returncode == 0 and "Nothing to be done" in second.stdout + second.stderr
    assert [c.result_path(tmp_path / "results").stat().st_mtime_ns for c in cells] == mtimes


@pytest.mark.slow
def test_a_failing_cell_leaves_no_result_file_and_the_others_finish(tmp_path):
    config = smoke_config(tmp_path, data=[str(tmp_path / "no-such-set"), "synthetic-h1299"], n_train=[2], seeds=[1])
    run = snakemake("--cores", "2", "--configfile", str(config))
    assert run.returncode != 0
    assert "Error in rule baseline_cell" in run.stderr and "no-such-set: no such file or folder" in run.stderr
    assert (tmp_path / "results/cpu/synthetic-h1299-v2/watershed/n2-s1.json").is_file()
    assert not (tmp_path / "results/cpu/no-such-set/watershed/n2-s1.json").exists()
    assert (tmp_path / "runs/cpu/no-such-set/watershed/n2-s1/log.txt").is_file()


def advseg(*args: str) -> subprocess.CompletedProcess:
    """The ``advseg`` command in a fresh process (Snakemake's shell jobs need real standard streams)."""
    return subprocess.run([sys.executable, "-m", "advseg", *args], cwd=ROOT, capture_output=True, text=True)


def test_advseg_sweep_dry_runs_a_committed_cell_through_snakemake_as_done_and_forced_as_pending():
    flags = ["sweep", "--data", "dsb2018", "--methods", "ce", "--n-train", "4", "--seeds", "1", "--preset", "cpu", "--dry-run"]
    for extra, plan in (([], "no update"), (["--force"], "update pending")):
        run = advseg(*flags, *extra)
        assert run.returncode == 0, run.stderr
        rows = [line for line in run.stdout.splitlines() if line.startswith("results/sweep/")]
        assert len(rows) == 1 and rows[0].startswith("results/sweep/cpu/dsb2018/ce/n4-s1.json\t")
        assert rows[0].endswith(f"\tok\t{plan}")


def test_advseg_sweep_reports_a_failed_cell_with_exit_status_1(tmp_path):
    run = advseg("sweep", "--data", str(tmp_path / "no-such-set"), "--methods", "watershed", "--n-train", "1", "--seeds", "1",
                 "--preset", "cpu", "--results", str(tmp_path / "results"), "--runs", str(tmp_path / "runs"), "--jobs", "2")
    assert run.returncode == 1
    assert "no-such-set: no such file or folder" in run.stderr and "Error in rule baseline_cell" in run.stderr
    assert not list((tmp_path / "results").rglob("*.json"))
