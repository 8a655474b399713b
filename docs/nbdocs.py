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
_SIG = re.compile(r"```python\n(.*?)\n```", re.S)
_CLASS = re.compile(r"def (\w+)\((.*)\)(?:->None)?:((?: #[^\n]*)?)$", re.S)

def _wrap(line, width=84):
    "Break a signature line holding several parameters at its top-level commas, to fit the page's code width."
    if len(line) <= width or " # " in line: return line
    indent, parts, cur, depth, quote = line[:len(line) - len(line.lstrip())], [], "", 0, None
    for ch in line.strip():
        cur += ch
        if quote: quote = None if ch == quote else quote
        elif ch in "'\"": quote = ch
        else: depth += (ch in "([{") - (ch in ")]}")
        if ch == "," and depth == 0 and not quote: parts, cur = parts + [cur.strip()], ""
    lines, acc = [], ""
    for part in parts + ([cur.strip()] if cur.strip() else []):
        if acc and len(indent + acc + " " + part) > width: lines, acc = lines + [indent + acc], part
        else: acc = f"{acc} {part}".strip()
    return "\n".join(lines + [indent + acc])

def _signature(sig, is_class):
    "Tidy a signature (no `NoneType`/`InitVar[...]`, short ones on one line, long lines wrapped); a class as Sphinx shows one."
    sig = re.sub(r"InitVar\[(.*?)\](?=[=,\n)])", r"\1", sig.replace(":NoneType=None", "=None"))
    lines = sig.splitlines()
    flat = lines[0] + " ".join(l.strip() for l in lines[1:-1]) + lines[-1] if len(lines) > 2 else sig
    if " # " not in sig and len(flat) <= 84: sig = flat  # a short signature on one line
    sig = "\n".join(_wrap(l) for l in sig.splitlines())
    m = _CLASS.match(sig) if is_class else None
    if not m: return sig
    if m[2].strip() == "*args, **kwargs": return f"class {m[1]}"  # no constructor of its own to show
    return f"class {m[1]}({m[2]}){m[3]}"

def show_doc_md(text):
    "nbdev's `show_doc` markdown without Quarto syntax (a plain source link), and a signature that fits the page."
    text = "\n".join(l for l in text.splitlines() if l.strip() != "---")  # a rule opening an output: docutils refuses it
    src = _SOURCE.search(text)
    if src:  # after the heading, drawn on its line (custom.css)
        text = re.sub(r"^(#+ .*)$", lambda h: f'{h[1]}\n\n<p class="sourcelink"><a href="{src[1]}">source</a></p>',
                      _SOURCE.sub("", text), count=1, flags=re.M)
    head = re.search(r"^#+ (\S+)", text, re.M)
    if not head: return text
    is_class = head[1].split(".")[-1][:1].isupper()  # PEP 8 names
    return _SIG.sub(lambda m: f"```python\n{_signature(m[1], is_class)}\n```", text, count=1)


def _summary(nb):
    "The `> summary` under the notebook's title, all its lines (nbdev's front matter keeps only the first)."
    for c in nb.cells:
        m = re.match(r"\s*#\s+.*\n+((?:>.*\n?)+)", c.source) if c.cell_type == "markdown" else None
        if m: return " ".join(l.lstrip(">").strip() for l in m[1].splitlines())
        if c.cell_type == "markdown" and c.source.lstrip().startswith("# "): return ""


def process_notebook(nb_path: Path, out_dir: Path, execute=False) -> Path:
    "Write `nb_path` processed by nbdev's doc processors to `out_dir`, with its title as the first heading."
    nb = read_nb(nb_path)
    summary = _summary(nb)
    if execute: _execute(nb, nb_path)
    os.environ["IN_TEST"] = "1"
    FilterDefaults()(nb)
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]  # Quarto front matter; the title is added below
    for cell in nb.cells: quarto_to_myst(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    fm = getattr(nb, "frontmatter_", {}) or {}
    title = fm.get("title") or nb_path.stem.replace("_", " ")
    summary = summary or fm.get("description")
    head = f"# {title}\n\n" + (f"> {summary}\n" if summary else "")
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
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
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
