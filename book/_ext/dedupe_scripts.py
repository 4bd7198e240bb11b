"""Sphinx extension: drop repeated <script> entries from each page.

sphinx-thebe adds its inline configuration script (``const THEBE_JS_URL = ...``)
once per ``env-before-read-docs`` event; when a build emits that event more than
once, pages carry the script twice and the browser reports
"Identifier 'THEBE_JS_URL' has already been declared". Keeping the first copy
of each identical script removes the error and changes nothing else.
"""

from __future__ import annotations


def _key(script) -> tuple:
    filename = getattr(script, "filename", str(script)) or ""  # inline scripts come with None or ""
    attributes = getattr(script, "attributes", {}) or {}
    return filename, tuple(sorted((k, str(v)) for k, v in attributes.items()))


def dedupe(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique  # in place: the builder's list, which later handlers may extend


def setup(app):
    # early: html-page-context stops at the first handler that returns a template name
    app.connect("html-page-context", dedupe, priority=10)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
