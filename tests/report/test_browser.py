"""report.html in a real headless Chromium: every image loads and nothing asks the network.

Chromium is Debian's package (`make install-dev` installs it), driven by Playwright through its
executable path: no browser is downloaded. Without it the test is skipped on a developer's
machine, and fails in CI (CI=true), where the install step must have provided it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from workbench.cli import main

from .fixtures import add_rse_measures, make_ice_run, make_job, make_rse_run

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; make install-dev does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install the dev extra)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="workbench-test-chromium-")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                   args=FLAGS)
        yield ctx
        ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(ctx, path: Path) -> dict:
    """Load ``path``; every request other than the page itself is recorded and refused."""
    page = ctx.new_page()
    own = path.resolve().as_uri()
    requests: list[str] = []
    refused: list[str] = []
    console: list[str] = []

    def handle(route):
        url = route.request.url
        requests.append(url)
        if url == own:
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", handle)
    page.on("console", lambda msg: console.append(msg.text))
    page.goto(own, wait_until="load")
    images = page.evaluate("""() => Array.from(document.images).map(i => ({
        src: i.currentSrc.slice(0, 30), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight}))""")
    page.close()
    return {"requests": requests, "refused": refused, "images": images, "console": console}


def test_report_renders_offline_with_every_image_loaded(browser, db, db_file, tmp_path, capsys):
    ice, _ = make_ice_run(db, target="deepseek-chat")
    rse, _ = make_rse_run(db)
    add_rse_measures(db, rse)
    job = make_job(db, "evokd", 0, (0.5, 0.6), confusion=[[3, 1, 0], [0, 4, 1], [1, 0, 5]])
    out = tmp_path / "rep"
    code = main(["--db", str(db_file), "report", "--run", str(ice), "--run", str(rse), "--job", str(job),
                 "--out", str(out), "--matrix-metric", "lexical"])
    capsys.readouterr()
    assert code == 0
    seen = open_page(browser, out / "report.html")
    assert seen["refused"] == [] and seen["requests"] == [(out / "report.html").resolve().as_uri()]
    assert len(seen["images"]) == 9  # 3 ICE, RSE scores + 2 heatmaps, EvoKD rounds, tokens, confusion
    assert all(i["complete"] and i["width"] > 100 and i["height"] > 100 and i["src"].startswith("data:image/png")
               for i in seen["images"]), seen["images"]
    assert not [m for m in seen["console"] if "Content Security Policy" in m or "Failed to load" in m]


def test_the_check_catches_a_page_that_calls_out(browser, tmp_path):
    # The same harness on a page with a remote image: it must see the request and the broken image.
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/figure.png"></body></html>')
    seen = open_page(browser, page)
    assert seen["refused"] == ["http://127.0.0.1:9/figure.png"]
    assert seen["images"][0]["width"] == 0
