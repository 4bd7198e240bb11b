"""Sphinx extension: typeset the book's equations with a MathJax served from the built book itself.

Sphinx loads MathJax 3 from a CDN by default, so a reader without internet sees
raw TeX. This extension points ``mathjax_path`` at ``_static/mathjax/tex-mml-chtml.js``
and, when the build finishes, copies MathJax's ``es5`` folder there from the
``mathjax`` package that ``requirements.txt`` installs (``django-static-mathjax``:
MathJax 3.2.2 as plain static files; Django is not needed). Nothing is
downloaded at build or read time. A missing package stops the build with a
one-line error instead of silently falling back to the CDN.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

SCRIPT = "mathjax/tex-mml-chtml.js"  # relative to _static


def mathjax_source() -> Path:
    """The installed MathJax ``es5`` folder."""
    try:
        import mathjax  # the django-static-mathjax package
    except ImportError as error:
        raise ExtensionError("offline_mathjax: the `mathjax` package is missing; "
                             "install requirements.txt (django-static-mathjax)") from error
    folder = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (folder / "tex-mml-chtml.js").is_file():
        raise ExtensionError(f"offline_mathjax: {folder} holds no tex-mml-chtml.js")
    return folder


def configure(app) -> None:
    mathjax_source()  # fail early
    app.config.mathjax_path = SCRIPT


def copy(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.copytree(mathjax_source(), target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))


def setup(app):
    app.connect("builder-inited", configure)
    app.connect("build-finished", copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
