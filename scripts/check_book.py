"""Open the built book in a real headless browser, check every chapter, and save screenshots.

Usage (after ``jupyter-book build .``, from the repository root)::

    .venv/bin/python scripts/check_book.py            # checks _build/html, screenshots in _build/screenshots
    .venv/bin/python scripts/check_book.py --install  # first installs Debian's chromium (as root, needs apt)

The book is served over HTTP on localhost and driven through the Chrome
DevTools protocol: each page must load without JavaScript errors and hold its
chapter title, its figures (loaded, not broken) and its equations, every one
typeset by the MathJax the book serves itself (raw TeX fails the check); no
table may be wider than the column unless it sits in a box that scrolls; on
the results page the comparison panels' drop-downs must really switch the
images; on the training page the selected model must score at least F = 0.5
(paper protocol). Whole pages are captured, in slices of 8,000 px. Exit status 1
on any failure.
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import websocket  # websocket-client

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--hide-scrollbars"]
# page -> (words in its title, figures at least, equations at least, comparison panels at least)
PAGES = {
    "book/intro.html": ("Microscopy cell segmentation", 0, 1, 0),
    "book/01_data.html": ("", 3, 1, 0),
    "book/02_minimax.html": ("minimax", 2, 3, 0),
    "book/03_ribcage.html": ("rib", 2, 0, 0),
    "book/train.html": ("Training", 3, 0, 0),
    "book/05_results.html": ("Results", 1, 0, 1),
    "book/06_paper_and_code.html": ("paper and its code", 1, 1, 0),
    "book/references.html": ("References", 0, 0, 0),
}
PROBE = """(() => {
  const imgs = [...document.querySelectorAll("main img, article img")].filter(i => !i.closest(".advseg-switcher"));
  return JSON.stringify({
    title: (document.querySelector("h1") || {}).textContent || "",
    figures: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    broken: imgs.filter(i => i.complete && i.naturalWidth === 0).map(i => i.src.slice(0, 60)),
    math: document.querySelectorAll(".math, span.math, div.math").length,
    typeset: document.querySelectorAll("mjx-container, .MathJax").length,
    switchers: document.querySelectorAll(".advseg-switcher").length,
    tracebacks: document.querySelectorAll(".output.traceback, .cell_output .ansi-red-fg").length,
    citations: document.querySelectorAll("a[href*='references.html#id'], .citation, dl.citation").length,
    height: document.documentElement.scrollHeight,
    rawTex: [...document.querySelectorAll("main .math, article .math")].filter(m => !m.querySelector("mjx-container")
             && (m.textContent.includes(String.fromCharCode(92)) || m.textContent.includes("$"))).length,
    text: (document.querySelector("main") || document.body).innerText,
  });
})()"""
# tables wider than the content column that no ancestor lets scroll horizontally
TABLES = """(() => {
  const column = document.querySelector("main article, article.bd-article, main") || document.body;
  const width = column.getBoundingClientRect().width;
  const scrolls = el => { for (let a = el.parentElement; a && a !== column; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if ((o === "auto" || o === "scroll") && a.clientWidth <= width + 1) return true; }
    return false; };
  const tables = [...column.querySelectorAll("table")];
  const clipped = tables.filter(t => t.getBoundingClientRect().width > width + 1 && !scrolls(t))
                        .map(t => (t.querySelector("caption") || t.querySelector("th") || {textContent: "?"}).textContent.trim().slice(0, 50));
  return JSON.stringify({tables: tables.length, clipped, width: Math.round(width)});
})()"""
WAIT_MATH = """(() => { const m = document.querySelectorAll("main .math, article .math").length;
  const t = document.querySelectorAll("mjx-container").length; return JSON.stringify({done: m === 0 || t >= m}); })()"""
TRAINED = re.compile(r"selected model: paper F = ([0-9.]+)")  # printed by book/train.ipynb
MIN_TRAINED_F = 0.5
SWITCH = """(() => {
  const box = document.querySelector(".advseg-switcher"); const id = box.id;
  const get = k => document.getElementById(id + "-" + k);
  const before = get("errors").src, counts0 = get(id ? "counts" : "counts").textContent;
  const method = get("method"), n = get("n");
  let changed = false;
  for (const m of method.options) { for (const o of n.options) {
    method.value = m.value; n.value = o.value; method.dispatchEvent(new Event("change"));
    if (get("errors").src && get("errors").src !== before) { changed = true; break; } } if (changed) break; }
  return JSON.stringify({changed, options: method.options.length * n.options.length, counts: get("counts").textContent,
                         bg: get("image-bg").naturalWidth});
})()"""


class Browser:
    """A headless chromium driven over the DevTools protocol."""

    def __init__(self, executable: str, profile: Path) -> None:
        self.process = subprocess.Popen([executable, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                                         "--window-size=1280,900", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        for _ in range(200):
            if port_file.is_file() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json").read())
        page = next(t for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.counter = 0
        self.errors: list[str] = []
        self.call("Runtime.enable")
        self.call("Page.enable")

    def call(self, method: str, **params) -> dict:
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("method") == "Runtime.exceptionThrown":
                self.errors.append(message["params"]["exceptionDetails"].get("exception", {}).get("description", "?")[:200])
            if message.get("id") == self.counter:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str) -> dict:
        return json.loads(self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"]["value"])

    def open(self, url: str) -> None:
        self.errors = []
        self.call("Page.navigate", url=url)
        for _ in range(100):
            if self.call("Runtime.evaluate", expression="document.readyState", returnByValue=True)["result"]["value"] == "complete":
                break
            time.sleep(0.1)
        time.sleep(0.5)  # let the switchers run
        for _ in range(40):  # MathJax typesets after the load event
            if self.evaluate(WAIT_MATH)["done"]:
                break
            time.sleep(0.25)

    def screenshot(self, path: Path, *, height: int, slice_px: int = 8000) -> list[Path]:
        """The whole page, in slices of ``slice_px`` (``name.png``, ``name-2.png``, ...)."""
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        time.sleep(0.3)
        paths = []
        for k, top in enumerate(range(0, max(height, 1), slice_px)):
            clip = {"x": 0, "y": top, "width": 1280, "height": min(slice_px, height - top), "scale": 1}
            shot = path if k == 0 else path.with_name(f"{path.stem}-{k + 1}.png")
            data = self.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)["data"]
            shot.write_bytes(base64.b64decode(data))
            paths.append(shot)
        return paths

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def check_page(browser: Browser, base: str, page: str, expected: tuple[str, int, int, int], shots: Path) -> list[str]:
    words, min_figures, min_math, min_switchers = expected
    browser.open(f"{base}/{page}")
    found = browser.evaluate(PROBE)
    problems = []
    if words.lower() not in found["title"].lower():
        problems.append(f"title {found['title']!r} lacks {words!r}")
    for key, least in (("figures", min_figures), ("math", min_math), ("switchers", min_switchers)):
        if found[key] < least:
            problems.append(f"{found[key]} {key}, expected at least {least}")
    if found["broken"]:
        problems.append(f"broken images: {found['broken']}")
    if found["math"] and (found["rawTex"] or not found["typeset"]):
        problems.append(f"{max(found['rawTex'], 1)} of {found['math']} equations not typeset (raw TeX: MathJax did not run)")
    tables = browser.evaluate(TABLES)
    if tables["clipped"]:
        problems.append(f"tables wider than the {tables['width']} px column and not scrollable: {tables['clipped']}")
    if page.endswith("train.html"):
        scores = [float(v) for v in TRAINED.findall(found["text"])]
        if not scores:
            problems.append("the training page prints no 'selected model: paper F = ...' line")
        elif max(scores) < MIN_TRAINED_F:
            problems.append(f"the training page's selected model scores paper F = {max(scores):.3f} < {MIN_TRAINED_F}")
    if found["tracebacks"]:
        problems.append(f"{found['tracebacks']} error outputs")
    if browser.errors:
        problems.append(f"JavaScript errors: {browser.errors}")
    note = (f"{found['figures']} figures, {found['math']} equations ({found['typeset']} typeset), "
            f"{tables['tables']} tables")
    if found["switchers"]:
        switch = browser.evaluate(SWITCH)
        note += f", {found['switchers']} comparison panels ({switch['options']} choices; switching {'works' if switch['changed'] else 'FAILED'})"
        if not switch["changed"] or not switch["bg"]:
            problems.append(f"comparison panel does not switch or shows no image: {switch}")
        browser.call("Runtime.evaluate", expression="document.querySelector('.advseg-switcher').scrollIntoView()")
        browser.screenshot(shots / (Path(page).stem + "-panels.png"), height=900)
        browser.call("Runtime.evaluate", expression="window.scrollTo(0, 0)")
    slices = browser.screenshot(shots / (Path(page).stem + ".png"), height=found["height"])
    note += f", {found['height']} px in {len(slices)} screenshot(s)"
    print(f"{'ok  ' if not problems else 'FAIL'} {page}: {note}" + "".join(f"\n     - {p}" for p in problems))
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built book (default _build/html)")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots", help="where screenshots go")
    parser.add_argument("--install", action="store_true", help="apt-get install chromium first when it is missing")
    args = parser.parse_args()
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None and args.install:
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=True)
        executable = shutil.which("chromium")
    if executable is None:
        print("chromium not found: install Debian's package (apt-get update && apt-get install -y chromium) or pass --install")
        return 1
    if not (args.html / "book" / "intro.html").is_file():
        print(f"{args.html}: no built book; run `.venv/bin/jupyter-book build .` first")
        return 1
    args.screenshots.mkdir(parents=True, exist_ok=True)
    server, base = serve(args.html)
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(executable, Path(profile))
        try:
            problems = [p for page, expected in PAGES.items() for p in check_page(browser, base, page, expected, args.screenshots)]
        finally:
            browser.close()
            server.shutdown()
    print(f"{len(PAGES)} pages, {len(problems)} problems; screenshots in {args.screenshots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
