"""Sphinx configuration for the dataset_kit documentation (`make docs`).

The notebooks in `nbs/` are the source: `nbdocs.process_all` runs nbdev's own documentation processors on them
(what `nbdev_docs` runs before Quarto, which cannot be installed here) and writes the processed copies to
`docs/nbs/` (`nbs/index.ipynb`, with the navigation added, becomes the home page `docs/index.ipynb`), which myst-nb
renders. `DOCS_EXECUTE=1` runs each notebook first so pages show fresh outputs. Every documented object is an
entry in Sphinx's Python domain (`apidoc.py` writes them, `apilinks.py` links inline code to them), so the general
index, the search and `objects.inv` (for other projects' intersphinx) list them.
"""
import os, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from nbdocs import process_all, write_home
from apilinks import linkcode_resolve

_pages = process_all(execute=os.environ.get("DOCS_EXECUTE", "0") == "1")
write_home({"Tutorials": [p for p in _pages if p.startswith("2")],
            "Datasets": [p for p in _pages if p.startswith("1")],
            "API": [p for p in _pages if p[:1] == "0"]})

project = "dataset_kit"
author = "dataset_kit developers"
copyright = author
extensions = ["myst_nb", "sphinx.ext.linkcode", "apilinks"]
add_module_names = False  # `ReadInstruction(…)`, not `dataset_kit.splits.ReadInstruction(…)`
python_maximum_signature_line_length = 78  # longer signatures: one parameter per line
toc_object_entries_show_parents = "hide"
nb_execution_mode = "off"
nb_render_markdown_format = "myst"
myst_enable_extensions = ["colon_fence", "deflist"]
html_theme = "furo"
html_title = "dataset_kit"
exclude_patterns = ["_build", "jupyter_execute"]
suppress_warnings = ["myst.header", "misc.highlighting_failure", "mystnb.unknown_mime_type", "myst.xref_missing"]
html_static_path = ["_static"]
html_css_files = ["custom.css"]
