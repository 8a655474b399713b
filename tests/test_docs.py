"The documentation site builds from the notebooks, and a real browser shows it: pages, examples and search."
import os, shutil, subprocess, sys, tempfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def site():
    out = ROOT / "docs" / "_build" / "test-html"  # myst-nb writes jupyter_execute/ beside it, under _build/
    shutil.rmtree(out, ignore_errors=True)
    sphinx = Path(sys.executable).parent / "sphinx-build"
    res = subprocess.run([str(sphinx), "-q", "-W", "-b", "html", "docs", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600, env={**os.environ, "DOCS_EXECUTE": "0"})
    assert res.returncode == 0, res.stderr[-5000:]
    return out


def chromium(*args):
    "Run headless Chromium with a throwaway profile; returns what it printed."
    home = tempfile.mkdtemp()
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={home}/ud", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": home})
    shutil.rmtree(home, ignore_errors=True)
    return res


def test_every_notebook_has_a_page(site):
    for nb in (ROOT / "nbs").glob("*.ipynb"):  # nbs/index.ipynb is the home page
        assert (site / ("index.html" if nb.stem == "index" else f"nbs/{nb.stem}.html")).exists(), nb.name
    home = (site / "index.html").read_text()
    assert "API" in home and "nbs/00_core.html" in home  # the navigation


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_splits_page_in_a_browser(site, tmp_path):
    page = next((site / "nbs").glob("*splits.html"))
    dom = chromium("--virtual-time-budget=3000", "--dump-dom", page.as_uri()).stdout
    assert "ReadInstruction" in dom and "from_spec" in dom  # the examples are on the page
    shot = tmp_path / "splits.png"
    chromium("--window-size=1200,900", f"--screenshot={shot}", page.as_uri())
    assert shot.stat().st_size > 10_000


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_search_finds_a_function(site):
    dom = chromium("--virtual-time-budget=10000", "--dump-dom", (site / "search.html").as_uri() + "?q=stable_hash").stdout
    assert "00_core.html" in dom, dom[-2000:]
