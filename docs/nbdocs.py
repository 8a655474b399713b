"""Turn the notebooks into pages: nbdev's doc processors, then myst-nb (docs site) or nbconvert (README).

The notebooks in `nbs/` are the source. Before Sphinx reads anything, this file runs nbdev's own documentation
processors (the ones `nbdev_docs` runs before handing over to Quarto, which cannot be installed here) on every
notebook and writes the processed copies to `docs/nbs/`, which myst-nb renders. Set `DOCS_EXECUTE=1` to run each
notebook first (with execnb) so the pages show fresh outputs; otherwise the saved outputs are shown. Each notebook is
processed in its own process: notebooks define and register classes, which must not leak into the next one.
"""
import os, re, subprocess, sys, json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DOCS = Path(__file__).parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

from execnb.nbio import read_nb, write_nb, mk_cell
import nbdev.showdoc
import apidoc
from nbdev.processors import FilterDefaults, exec_show_docs, _do_eval
from nbdev.config import get_config


def _execute(nb, nb_path):
    "Run every cell the tests would run, keeping the outputs (what rendering with Quarto shows)."
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    def skip(cell):
        src = cell.source
        return cell.cell_type != "code" or "nbdev_export(" in src or "#| eval: false" in src
    import tempfile
    os.environ.setdefault("DATASET_KIT_CACHE", tempfile.mkdtemp(prefix="dataset_kit_docs_"))  # not the user's cache
    os.environ.update(NO_PROGRESS_BARS)
    with working_directory(nb_path.parent): CaptureShell(nb_path).run_all(nb, exc_stop=True, preproc=skip)


# Progress bars are for terminals: a page shows them as raw `45%|████▌     | 9/20` text. Executing for the docs turns
# them off (dataset_kit's, `datasets`' and any tqdm's), and `strip_progress` drops what still gets through.
NO_PROGRESS_BARS = {"DATASET_KIT_DISABLE_PROGRESS_BARS": "1", "HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "TQDM_DISABLE": "1"}
_PROGRESS = re.compile(r"^.*\d+%\|.*\|.*$|^.*\[\d\d:\d\d.*\d(?:\.\d+)?\s?(?:it|ex|examples|files|[kMG]?B)/s\].*$", re.M)

def strip_progress(cell):
    "Remove progress-bar lines from a cell's stream outputs (and outputs left empty)."
    kept = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
            text = _PROGRESS.sub("", "\n".join(t.rsplit("\r", 1)[-1] for t in text.split("\n")))
            out["text"] = re.sub(r"\n{2,}", "\n", text).lstrip("\n")
            if not out["text"].strip(): continue
        kept.append(out)
    if "outputs" in cell: cell["outputs"] = kept


_NBFORMAT_KEYS = {"cell_type", "source", "metadata", "outputs", "execution_count", "id", "attachments"}
_TAGS = {"echo: false": "remove-input", "output: false": "remove-output", "include: false": "remove-cell"}

def quarto_to_myst(cell):
    "Turn the Quarto `#|` options nbdev leaves on a cell into myst-nb tags, and drop them from the source."
    for key in [k for k in cell if k not in _NBFORMAT_KEYS]: del cell[key]  # nbdev's own bookkeeping
    if cell.cell_type != "code": return
    lines = cell.source.splitlines()
    opts = [l[2:].strip().lower() for l in lines if l.startswith("#|")]
    cell.source = "\n".join(l for l in lines if not l.startswith("#|"))
    tags = [_TAGS[o] for o in opts if o in _TAGS]
    if tags: cell.setdefault("metadata", {})["tags"] = tags


def _summary(nb):
    "The `> summary` under the notebook's title, all its lines (nbdev's front matter keeps only the first)."
    for c in nb.cells:
        m = re.match(r"\s*#\s+.*\n+((?:>.*\n?)+)", c.source) if c.cell_type == "markdown" else None
        if m: return " ".join(l.lstrip(">").strip() for l in m[1].splitlines())
        if c.cell_type == "markdown" and c.source.lstrip().startswith("# "): return ""


class ImportsOnlyShowDocs(exec_show_docs):
    """nbdev's `exec_show_docs`, except that a cell mixing imports with other code has only its imports run.

    nbdev runs such a cell whole in the shell that renders `show_doc` (export cells, imports, `show_doc` calls), where
    the notebook's other variables do not exist, so `import torch; test_eq(ids...)` fails the build. The imports are
    what `show_doc` may need; the page keeps the cell's outputs from the full run."""
    def __call__(self, cell):
        if not self.nb.has_docs_ or not hasattr(self, "k") or not _do_eval(cell): return super().__call__(cell)
        if cell.directives_.keys() & {"export", "exports", "exporti", "exec_doc"} or "show_doc" in cell.source:
            return super().__call__(cell)
        import ast
        code = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("#|", "%", "!")))
        tree = ast.parse(code)
        imports = [ast.get_source_segment(code, n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        if len(imports) == len(tree.body): return super().__call__(cell)
        self.k.run("\n".join(imports))
        if self.k.exc: raise Exception(f"Error running the imports of cell {cell.idx_}:\n{cell.source}") from self.k.exc

class DocsFilters(FilterDefaults):
    "nbdev's documentation processors, with `ImportsOnlyShowDocs` for `exec_show_docs`."
    def base_procs(self): return [ImportsOnlyShowDocs if p is exec_show_docs else p for p in super().base_procs()]


def _module(nb):
    "The module the notebook exports (`#| default_exp`), as `dataset_kit.name`; None if it exports nothing."
    for c in nb.cells:
        m = re.search(r"^#\|\s*default_exp\s+(\S+)", c.source, re.M) if c.cell_type == "code" else None
        if m: return f"{get_config().lib_name}.{m[1]}"


def _reference(module):
    "The page's closing cells: an entry for each exported name and public class member the page did not show."
    cells = apidoc.reference_cells(module)
    if not cells: return []
    intro = ("## Reference\n\nThe exported names and public members not shown above, with their signatures and "
             "parameters.")
    return [intro] + cells


def process_notebook(nb_path: Path, out_dir: Path, execute=False) -> Path:
    "Write `nb_path` processed by nbdev's doc processors to `out_dir`, with its title as the first heading."
    nb = read_nb(nb_path)
    summary, module = _summary(nb), _module(nb)
    if execute: _execute(nb, nb_path)
    os.environ["IN_TEST"] = "1"
    nbdev.showdoc.BasicMarkdownRenderer = apidoc.ApiEntry  # show_doc gives Sphinx API entries (see apidoc.py)
    apidoc.start_page(module)
    DocsFilters()(nb)
    if module: nb.cells += [mk_cell(md, "markdown") for md in _reference(module)]
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]  # Quarto front matter; the title is added below
    for cell in nb.cells: quarto_to_myst(cell); strip_progress(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    fm = getattr(nb, "frontmatter_", {}) or {}
    title = fm.get("title") or nb_path.stem.replace("_", " ")
    summary = summary or fm.get("description")
    head = f"# {title}\n\n" + (f"> {summary}\n" if summary else "")
    if module: head += f"\n:::{{py:module}} {module}\n:::\n"
    nb.cells.insert(0, mk_cell(head, "markdown"))
    out = out_dir / nb_path.name
    write_nb(nb, out)
    return out


def process_all(execute=False):
    "Process every notebook: `nbs/index.ipynb` becomes the home page `docs/index.ipynb`, the others `docs/nbs/*`."
    out_dir = DOCS / "nbs"
    out_dir.mkdir(exist_ok=True)
    for old in [*out_dir.glob("*.ipynb"), DOCS / "index.ipynb", DOCS / "index.md"]: old.unlink(missing_ok=True)
    paths = sorted((ROOT / "nbs").glob("*.ipynb"), key=lambda p: p.stem.replace("_", " "))  # 04a_x before 04a1_y
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: _process_in_subprocess(p, DOCS if p.stem == "index" else out_dir, execute), paths))
    return [p.stem for p in paths if p.stem != "index"]


def _process_in_subprocess(nb_path, out_dir, execute):
    "`process_notebook` in a fresh Python, run from the project root (where nbdev finds settings.ini)."
    cmd = [sys.executable, __file__, "process", str(nb_path), str(out_dir)] + (["--execute"] if execute else [])
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **NO_PROGRESS_BARS})
    if res.returncode: raise RuntimeError(f"Processing {nb_path.name} for the docs failed:\n{res.stderr[-4000:]}")


def write_home(sections):
    "Add the site's navigation ({caption: [page stems]}) to the home page (or make one if there is no index notebook)."
    toc = "\n".join(f"```{{toctree}}\n:caption: {name}\n:maxdepth: 1\n:hidden:\n\n" + "\n".join(f"nbs/{p}" for p in pages)
                    + "\n```\n" for name, pages in sections.items() if pages)
    home = DOCS / "index.ipynb"
    if not home.exists(): return (DOCS / "index.md").write_text("# Contents\n\n" + toc)
    nb = read_nb(home)
    nb.cells.append(mk_cell(toc, "markdown"))
    write_nb(nb, home)


def write_readme(out=ROOT / "README.md"):
    "README.md from `nbs/index.ipynb`, processed like its docs page (what `nbdev_readme` does with Quarto)."
    import tempfile
    from nbconvert import MarkdownExporter
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        try:
            os.chdir(ROOT)
            path = process_notebook(ROOT / "nbs" / "index.ipynb", Path(d), execute=True)
        finally: os.chdir(cwd)
        body, _ = MarkdownExporter().from_filename(str(path))
    Path(out).write_text(re.sub(r"\n{3,}", "\n\n", body).strip() + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["process"]: process_notebook(Path(sys.argv[2]), Path(sys.argv[3]), execute="--execute" in sys.argv)
    else: write_readme()
