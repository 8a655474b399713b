"""Turn the notebooks into pages: nbdev's doc processors, then myst-nb (docs site) or nbconvert (README).

The notebooks in `nbs/` are the source. Before Sphinx reads anything, this file runs nbdev's own documentation
processors (the ones `nbdev_docs` runs before handing over to Quarto, which cannot be installed here) on every
notebook and writes the processed copies to `docs/nbs/`, which myst-nb renders. Set `DOCS_EXECUTE=1` to run each
notebook first (in-process, with execnb) so the pages show fresh outputs; otherwise the saved outputs are shown.
"""
import os, re, sys, json
from pathlib import Path

DOCS = Path(__file__).parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

from execnb.nbio import read_nb, write_nb, mk_cell
from nbdev.processors import FilterDefaults
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
    with working_directory(nb_path.parent): CaptureShell(nb_path).run_all(nb, exc_stop=True, preproc=skip)


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
    for out in cell.get("outputs", []):
        md = out.get("data", {}).get("text/markdown")
        if md is not None: out["data"]["text/markdown"] = show_doc_md("".join(md) if isinstance(md, list) else md)


_SOURCE = re.compile(r'\[source\]\((\S+?)\)\{[^}]*\}')  # Quarto's link attributes
_SIG = re.compile(r"```python\ndef (\w+)\((.*?)\):?((?: #[^\n]*)?)\n```", re.S)

def _class_sig(m):
    "`def Name(params):` → `class Name(params)`, as Sphinx shows a class; bare `class Name` for `(*args, **kwargs)`."
    name, params, comment = m[1], m[2], m[3]
    if params.strip() == "*args, **kwargs": return f"```python\nclass {name}\n```"
    return f"```python\nclass {name}({params}){comment}\n```"

def show_doc_md(text):
    "nbdev's `show_doc` markdown without Quarto syntax: a plain source link, and a class shown as `class Name(params)`."
    text = "\n".join(l for l in text.splitlines() if l.strip() != "---")  # a rule opening an output: docutils refuses it
    src = _SOURCE.search(text)
    if src:  # after the heading, drawn on its line (custom.css)
        text = re.sub(r"^(#+ .*)$", lambda h: f'{h[1]}\n\n<p class="sourcelink"><a href="{src[1]}">source</a></p>',
                      _SOURCE.sub("", text), count=1, flags=re.M)
    head = re.search(r"^#+ (\S+)", text, re.M)
    if head and head[1].split(".")[-1][:1].isupper(): text = _SIG.sub(_class_sig, text, count=1)  # PEP 8: a class
    return text


def process_notebook(nb_path: Path, out_dir: Path, execute=False) -> Path:
    "Write `nb_path` processed by nbdev's doc processors to `out_dir`, with its title as the first heading."
    nb = read_nb(nb_path)
    if execute: _execute(nb, nb_path)
    os.environ["IN_TEST"] = "1"
    FilterDefaults()(nb)
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]  # Quarto front matter; the title is added below
    for cell in nb.cells: quarto_to_myst(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    fm = getattr(nb, "frontmatter_", {}) or {}
    title = fm.get("title") or nb_path.stem.replace("_", " ")
    head = f"# {title}\n\n" + (f"> {fm['description']}\n" if fm.get("description") else "")
    nb.cells.insert(0, mk_cell(head, "markdown"))
    out = out_dir / nb_path.name
    write_nb(nb, out)
    return out


def process_all(execute=False):
    out_dir = DOCS / "nbs"
    out_dir.mkdir(exist_ok=True)
    for old in out_dir.glob("*.ipynb"): old.unlink()
    paths = sorted((ROOT / "nbs").glob("*.ipynb"))
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)  # nbdev finds settings.ini from here
        for p in paths: process_notebook(p, out_dir, execute=execute)
    finally: os.chdir(cwd)
    return [p.stem for p in paths]




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


if __name__ == "__main__": write_readme()
