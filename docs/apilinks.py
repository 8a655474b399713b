"""Sphinx side of the API reference: inline code naming a documented object links to it, and entries link to source.

The notebooks' prose names objects in backticks (`Dataset.map`, `ReadInstruction`), as nbdev expects. Once every
page is read, `LinkInlineCode` turns each such inline literal into a link to the object's entry when the name is
unambiguous: a full name, a module-relative name (`Dataset.map`), or a bare class/function name (`load_dataset`);
a bare member name (`map`, which many classes have) stays plain. `linkcode_resolve` gives each entry its
`[source]` link (`sphinx.ext.linkcode`).
"""
import importlib, inspect, re
from collections import defaultdict
from pathlib import Path
from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.nodes import make_refnode

ROOT = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\))?")
_TOP_LEVEL = {"class", "function", "exception", "data", "module"}


def object_names(objects) -> dict:
    "Unambiguous short name → full name, from the Python domain's `{full name: (docname, anchor, objtype, …)}`."
    modules = {name for name, o in objects.items() if o.objtype == "module"} | {"dataset_kit"}
    found = defaultdict(set)
    for full, o in objects.items():
        if o.aliased: continue  # a `:canonical:` name of an entry listed under its public name
        if o.objtype == "module": found[full].add(full); continue
        module = max((m for m in modules if full.startswith(m + ".")), key=len, default="")
        qual = full[len(module) + 1:] if module else full
        keys = {full, qual, f"{module.rsplit('.', 1)[-1]}.{qual}" if module else qual}
        if "." not in qual and o.objtype not in _TOP_LEVEL: keys.discard(qual)
        if module.startswith("dataset_kit"): keys.add(f"dataset_kit.{qual}")  # the package re-exports public names
        for k in keys: found[k].add(full)
    def the_one(fulls):  # a re-export documented as data ("the same object as ...") yields to the object's own entry
        own = {f for f in fulls if objects[f].objtype != "data"} if len(fulls) > 1 else fulls
        return next(iter(own)) if len(own) == 1 else None
    return {k: full for k, v in found.items() if (full := the_one(v)) is not None}


class LinkInlineCode(SphinxPostTransform):
    "Inline code that names a documented Python object becomes a link to its entry."
    default_priority = 20

    def run(self, **kwargs):
        domain = self.env.get_domain("py")
        names = object_names(domain.objects)
        for node in list(self.document.findall(nodes.literal)):
            if isinstance(node.parent, (nodes.reference, addnodes.pending_xref, addnodes.desc_signature)): continue
            text = node.astext().strip()
            if not _NAME.fullmatch(text) or (full := names.get(text.removesuffix("()"))) is None: continue
            entry = domain.objects[full]
            ref = make_refnode(self.app.builder, self.env.docname, entry.docname, entry.node_id, node.deepcopy(), full)
            node.replace_self(ref)


def _unwrap(obj):
    if isinstance(obj, property): return obj.fget
    return inspect.unwrap(getattr(obj, "__func__", obj))

def linkcode_resolve(domain, info):
    "The source line of a documented object on the project's git host (for `sphinx.ext.linkcode`)."
    if domain != "py" or not info.get("module", "").startswith("dataset_kit"): return None
    from nbdev.config import get_config
    cfg = get_config()
    try:
        obj = importlib.import_module(info["module"])
        for part in info["fullname"].split("."): obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
        obj = _unwrap(obj)
        path = Path(inspect.getsourcefile(obj)).resolve().relative_to(ROOT)
        line = inspect.getsourcelines(obj)[1]
    except Exception: return None  # data, or an object without Python source
    return f"{cfg.git_url}/blob/{cfg.branch}/{path.as_posix()}#L{line}"


def setup(app):
    app.add_post_transform(LinkInlineCode)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
