"The documentation site builds from the notebooks, and a real browser shows it: pages, API entries, the index and search."
import ast, importlib, inspect, json, os, posixpath, re, shutil, subprocess, sys, tempfile
from pathlib import Path
import pytest
from sphinx.util.inventory import InventoryFile

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def site():
    # One folder per pytest-xdist worker (each builds its own site; a shared one was wiped by the other's rmtree).
    # myst-nb writes jupyter_execute/ beside the output, so the worker's folder holds both.
    out = ROOT / "docs" / "_build" / f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}" / "html"
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


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_search_returns_the_object_entry(site):
    dom = chromium("--virtual-time-budget=10000", "--dump-dom", (site / "search.html").as_uri() + "?q=ReadInstruction").stdout
    first = re.search(r'<li class="kind-object"><a href="([^"]+)"', dom)
    assert first and first[1] == "nbs/02_splits.html#dataset_kit.ReadInstruction", dom[-3000:]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_general_index_lists_dataset_map(site):
    dom = chromium("--virtual-time-budget=3000", "--dump-dom", (site / "genindex.html").as_uri()).stdout
    assert re.search(r'<a href="nbs/04a_arrow_dataset.html#dataset_kit.Dataset.map">map\(\) \(Dataset method\)</a>', dom), dom[:2000]


# --- the API reference ----------------------------------------------------------------------------------------
def inventory(site) -> dict:
    "{full name: (role, page#anchor)} of the Python objects in the site's objects.inv."
    with open(site / "objects.inv", "rb") as f: inv = InventoryFile.load(f, "", posixpath.join)
    data = getattr(inv, "data", inv)
    return {name: (role, item.uri if hasattr(item, "uri") else item[2]) for role, items in data.items()
            if role.startswith("py:") for name, item in items.items()}

def modules():
    from dataset_kit._modidx import d
    return [importlib.import_module(m) for m in d["syms"]]

def test_objects_inv_lists_every_exported_name(site):
    inv = inventory(site)
    missing = [f"{m.__name__}.{n}" for m in modules() for n in getattr(m, "__all__", []) if f"{m.__name__}.{n}" not in inv]
    assert not missing, missing
    assert inv["dataset_kit.Dataset.map"][0] == "py:method" and inv["dataset_kit.ReadInstruction"][0] == "py:class"
    assert inv["dataset_kit.arrow_dataset.Dataset.map"][1] == inv["dataset_kit.Dataset.map"][1]  # the defining module: an alias
    assert inv["dataset_kit.load_dataset"] == ("py:function", "nbs/06_load.html#dataset_kit.load_dataset")

FACADES = ["Dataset", "DatasetDict", "IterableDataset", "IterableDatasetDict", "DatasetInfo", "BuilderConfig",
           "DatasetBuilder", "GeneratorBasedBuilder", "ArrowBasedBuilder"]

@pytest.mark.parametrize("name", FACADES)
def test_every_public_method_has_an_entry(site, name):
    "Each public member, wherever it is defined in dataset_kit (the class, a mixin, a base class), has an entry."
    import dataset_kit
    modules()  # every module imported: any method one module adds to another's class is there
    cls, inv = getattr(dataset_kit, name), inventory(site)
    missing = []
    for member in [m for m in dir(cls) if not m.startswith("_")]:
        owners = [b for b in cls.__mro__ if member in vars(b) and b.__module__.startswith("dataset_kit")]
        if not owners or inspect.isclass(getattr(cls, member)): continue
        names = {f"{mod}.{b.__qualname__}.{member}" for b in owners for mod in ("dataset_kit", b.__module__)}
        if not names & set(inv): missing.append(member)
    assert not missing, f"{name}: no entry for {missing}"

def test_an_entry_shows_signature_parameter_table_and_source(site):
    html = (site / "nbs" / "02_splits.html").read_text()
    entry = html[html.index('id="dataset_kit.ReadInstruction"'):]
    entry = entry[:entry.index('<dl class="py', 1)]  # up to the next entry
    assert 'class="sig-param"' in entry and "split_name" in entry  # the signature, parameter by parameter
    assert "<th" in entry and "first row/percent (included); negative counts from the end" in entry  # the docments table
    assert "https://github.com/dataset-kit/dataset_kit/blob/main/dataset_kit/splits.py#L" in entry  # [source]

def test_inline_code_links_to_entries(site):
    home = (site / "index.html").read_text()
    assert re.search(r'<a class="reference internal" href="nbs/01_features_core.html#dataset_kit.Features"[^>]*><code', home)
    splits = (site / "nbs" / "02_splits.html").read_text()
    assert re.search(r'href="#dataset_kit.ReadInstruction.from_spec"[^>]*><code[^>]*><span class="pre">ReadInstruction.from_spec', splits) \
        or re.search(r'href="#dataset_kit.ReadInstruction"', splits)

def test_other_projects_link_here_through_intersphinx(site, tmp_path):
    "A project naming `dataset_kit.Dataset.map` in its own docs gets a link into this site (Sphinx's intersphinx)."
    (tmp_path / "conf.py").write_text("extensions = ['sphinx.ext.intersphinx']\n"
                                      f"intersphinx_mapping = {{'dataset_kit': ({str(site)!r}, None)}}\n")
    (tmp_path / "index.rst").write_text("Other\n=====\n\nUse :py:meth:`dataset_kit.Dataset.map` and "
                                        ":py:class:`dataset_kit.splits.ReadInstruction`.\n")
    sphinx = Path(sys.executable).parent / "sphinx-build"
    res = subprocess.run([str(sphinx), "-q", "-n", "-W", "-b", "html", str(tmp_path), str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "out" / "index.html").read_text()
    assert f'href="{site}/nbs/04a_arrow_dataset.html#dataset_kit.Dataset.map"' in html
    assert f'href="{site}/nbs/02_splits.html#dataset_kit.ReadInstruction"' in html


# --- pages without noise --------------------------------------------------------------------------------------
def test_executed_pages_show_no_progress_bars(tmp_path):
    "A notebook executed for the docs shows what it prints, not the progress bars of dataset_kit, `datasets` or tqdm."
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (
        "from dataset_kit import Dataset\nfrom tqdm.auto import tqdm",
        "ds = Dataset.from_dict({'a': list(range(50))}).map(lambda b: {'b': b['a']}, batched=True, desc='Doubling')\nprint('mapped', len(ds))",
        "import sys\nfor _ in tqdm(range(3), desc='Counting', file=sys.stderr): pass\nprint('counted')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src, out = tmp_path / "progress.ipynb", tmp_path / "out"
    out.mkdir(); nbformat.write(nb, src)
    env = {k: v for k, v in os.environ.items() if "PROGRESS" not in k and k != "TQDM_DISABLE"}
    res = subprocess.run([sys.executable, "docs/nbdocs.py", "process", str(src), str(out), "--execute"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, env={**env, "DATASET_KIT_CACHE": str(tmp_path / "cache")})
    assert res.returncode == 0, res.stderr[-3000:]
    cells = nbformat.read(out / "progress.ipynb", as_version=4).cells
    shown = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []))
    assert "mapped 50" in shown and "counted" in shown
    assert "%|" not in shown and "it/s" not in shown and "Doubling" not in shown, shown

def test_progress_text_is_stripped_from_saved_outputs():
    sys.path.insert(0, str(ROOT / "docs"))
    from nbdocs import strip_progress
    cell = {"outputs": [{"output_type": "stream", "name": "stderr", "text": "Map:   0%|          | 0/9 [00:00<?, ? examples/s]\r"
                         "Map: 100%|██████████| 9/9 [00:00<00:00, 52.1 examples/s]\nkept\n"},
                        {"output_type": "stream", "name": "stderr", "text": "Generating train split: 9 examples [00:00, 31.2 examples/s]\n"}]}
    strip_progress(cell)
    assert cell["outputs"] == [{"output_type": "stream", "name": "stderr", "text": "kept\n"}]

def test_code_blocks_wrap(site):
    css = (site / "_static" / "custom.css").read_text()
    assert re.search(r"\.highlight pre[^{]*\{[^}]*white-space: pre-wrap", css)  # the README's long command is not cut


# --- every exported name has an example with a visible result -------------------------------------------------
_QUIET = {"test_eq", "test_ne", "test_fail", "test_close", "test_is", "test_warns", "test_stdout", "test_eq_type",
          "test_shuffled", "show_doc"}  # calls that show nothing when they pass

def _shows_output(tree) -> bool:
    "Whether a cell displays something: it prints/displays, or ends in an expression that is not a quiet check."
    if any(isinstance(n, ast.Call) and getattr(n.func, "id", None) in ("print", "display") for n in ast.walk(tree)): return True
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr): return False
    func = last.value.func if isinstance(last.value, ast.Call) else None
    return (getattr(func, "id", None) or getattr(func, "attr", None)) not in _QUIET

def names_with_examples(nb_path) -> tuple:
    "`(module, names)`: the module a notebook exports and the names used in its visible cells that show output."
    cells = [c for c in json.loads(Path(nb_path).read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    exp = next((m[1] for s in sources if (m := re.search(r"^#\|\s*default_exp\s+(\S+)", s, re.M))), None)
    shown = set()
    for s in sources:
        if re.search(r"^#\|\s*(export|exports|exporti|hide|default_exp|eval:\s*false)\b", s, re.M): continue
        try: tree = ast.parse("\n".join(l for l in s.splitlines() if not l.lstrip().startswith(("%", "!"))))
        except SyntaxError: continue
        if _shows_output(tree):
            shown |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            shown |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return (f"dataset_kit.{exp}" if exp else None), shown

EXAMPLES_TODO = ROOT / "tests" / "examples_todo.txt"  # exported names still without one: this list only shrinks

def test_every_exported_name_has_a_visible_example():
    todo = {l.strip() for l in EXAMPLES_TODO.read_text().splitlines() if l.strip() and not l.startswith("#")}
    lacking, done = [], []
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        module, shown = names_with_examples(nb)
        if module is None: continue
        mod = importlib.import_module(module)
        for name in mod.__all__:
            full, home = f"{module}.{name}", getattr(getattr(mod, name), "__module__", module)
            if home != module and home.startswith("dataset_kit."):  # a re-export: its home page shows it
                if full in todo: done.append(full)
                continue
            if name not in shown and full not in todo: lacking.append(f"{nb.name}: {name}")
            if name in shown and full in todo: done.append(full)
    assert not lacking, ("add a cell showing each of these (e.g. its value, or a call and its result) near its "
                         f"definition: {lacking}")
    assert not done, f"these now have a visible example: remove them from {EXAMPLES_TODO.name}: {done}"
