"""The repository's promises: the README's commands, CI and the book's configuration."""

from __future__ import annotations

import re
from pathlib import Path

import yaml


def readme_commands(repo_root: Path) -> list[str]:
    text = (repo_root / "README.md").read_text()
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", setup)


def test_readme_has_exactly_two_setup_commands(repo_root: Path) -> None:
    commands = readme_commands(repo_root)
    assert len(commands) == 2, commands
    assert "jupyter-book build ." in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_exactly(repo_root: Path) -> None:
    ci_lines = (repo_root / ".ci" / "run").read_text().splitlines()
    assert readme_commands(repo_root)[1] in ci_lines


def test_requirements_pin_every_package_exactly(repo_root: Path) -> None:
    lines = [
        line.strip()
        for line in (repo_root / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    packages = [line for line in lines if line != "-e ."]
    assert "-e ." in lines
    unpinned = [line for line in packages if not re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.+]+", line)]
    assert not unpinned, f"not pinned exactly: {unpinned}"
    names = {line.split("==")[0].lower() for line in packages}
    assert "torch==2.13.0" in packages
    assert "jupyter-book==1.0.4.post1" in packages
    for needed in ["papermill", "nbval", "pytest", "tifffile", "imagecodecs", "ipywidgets", "tqdm", "snakemake",
                   "snakemake-executor-plugin-slurm"]:
        assert needed in names, needed


def test_book_config_fails_on_notebook_errors(repo_root: Path) -> None:
    config = yaml.safe_load((repo_root / "_config.yml").read_text())
    assert config["execute"]["allow_errors"] is False
    assert config["execute"]["execute_notebooks"] in {"cache", "force", "auto"}
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    for excluded in ["_build", ".venv", "runs"]:
        assert excluded in config["exclude_patterns"]


def test_every_toc_entry_exists(repo_root: Path) -> None:
    toc = yaml.safe_load((repo_root / "_toc.yml").read_text())
    entries = [toc["root"]]
    for part in toc.get("parts", []) + [toc]:
        entries += [chapter["file"] for chapter in part.get("chapters", [])]
    for entry in entries:
        candidates = [repo_root / f"{entry}{suffix}" for suffix in ("", ".md", ".ipynb")]
        assert any(path.is_file() for path in candidates), entry


def test_checked_notebook_cells_carry_reference_outputs(repo_root: Path) -> None:
    import nbformat

    for path in sorted((repo_root / "book").glob("*.ipynb")):
        notebook = nbformat.read(path, 4)
        for cell in notebook.cells:
            if cell.cell_type == "code" and cell.source.lstrip().startswith("# NBVAL_CHECK_OUTPUT"):
                assert cell.outputs, f"{path.name}: a NBVAL_CHECK_OUTPUT cell has no reference output to compare with"
            elif cell.cell_type == "code":
                assert not any(o.get("output_type") == "error" for o in cell.outputs), f"{path.name}: committed error output"


def test_every_notebook_cell_has_its_own_id(repo_root: Path) -> None:
    import json

    for path in sorted((repo_root / "book").glob("*.ipynb")):  # nbformat 4.5 requires them (later versions refuse)
        ids = [cell.get("id") for cell in json.loads(path.read_text())["cells"]]
        assert None not in ids, f"{path.name}: a cell without an id"
        assert len(set(ids)) == len(ids), f"{path.name}: two cells share an id"
