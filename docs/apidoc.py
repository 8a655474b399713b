"""API entries for the docs site: each documented object as a Sphinx Python-domain directive (MyST syntax).

nbdev's `show_doc` writes a heading and a code block, which Sphinx sees as prose: no object, no index entry, no
search result. While the docs are processed, `show_doc` renders with `ApiEntry` instead: a `py:function`,
`py:class`, `py:method`… directive holding the signature, the docstring and a parameter table built from the
docments. `reference_cells` then adds, at the end of a module's page, an entry for every exported name and every
public member of its classes that the page did not show, so members added later appear without anyone editing it.

Each object is indexed once, on the page of the module that defines it (a method: its class's module); other
appearances are marked `:no-index:`, as a cross-reference target may exist only once.
"""
import ast, dataclasses, enum, functools, importlib, inspect, re
from fastcore.docments import docments

PAGE = {"module": None, "indexed": set(), "shown": set()}  # the page being processed (one page per process)

def start_page(module):
    "Begin a page whose notebook exports `module` (None: a page exporting nothing, e.g. a tutorial)."
    PAGE.update(module=module, indexed=set(), shown=set())


# --- signatures and parameter tables --------------------------------------------------------------------------
def _anno(a) -> str:
    "An annotation as source text ('' for none)."
    if a is inspect.Parameter.empty or a is None or a is type(None) or a == "NoneType": return ""
    if isinstance(a, str): return a
    if isinstance(a, type) and a.__module__ == "builtins": return a.__name__
    return inspect.formatannotation(a)

def _default(d) -> str:
    "A default value as short source text that parses as Python (Sphinx parses signatures)."
    if isinstance(d, enum.Enum): return f"{type(d).__name__}.{d.name}"
    if type(d).__name__ == "_HAS_DEFAULT_FACTORY_CLASS": return "<factory>"
    text = repr(d)
    try: ast.parse(text, mode="eval")
    except SyntaxError: return f"{type(d).__name__}()"
    return text if len(text) <= 40 else f"{type(d).__name__}(…)"

def _params(obj, drop_first):
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return None, None
    params = list(sig.parameters.values())
    if drop_first and params and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD): params = params[1:]
    return sig, params

def signature_text(obj, drop_first=False):
    "`(a: int, *, b: str = 'x') -> T` for `obj` (without `self` when `drop_first`), or '' if it has none to inspect."
    sig, params = _params(obj, drop_first)
    if sig is None: return ""
    out, star = [], False
    for i, p in enumerate(params):
        if p.kind == p.KEYWORD_ONLY and not star: out.append("*")
        star = star or p.kind in (p.KEYWORD_ONLY, p.VAR_POSITIONAL)
        s = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.annotation is not p.empty: s += f": {_anno(p.annotation)}"
        if p.default is not p.empty: s += (" = " if p.annotation is not p.empty else "=") + _default(p.default)
        out.append(s)
        if p.kind == p.POSITIONAL_ONLY and (i + 1 == len(params) or params[i + 1].kind != p.POSITIONAL_ONLY): out.append("/")
    ret = f" -> {_anno(sig.return_annotation)}" if sig.return_annotation not in (sig.empty, None, "None") else ""
    return f"({', '.join(out)}){ret}"

def _cell(text) -> str: return " ".join(str(text).split()).replace("|", "\\|")

def param_table(obj) -> str:
    "A markdown table (parameter, type, default, description) from `obj`'s docments; '' if it takes no parameters."
    try: docs = docments(obj, full=True)
    except Exception: return ""
    rows = [(k, v) for k, v in docs.items() if k != "return" and v.get("kind") not in (inspect.Parameter.VAR_POSITIONAL,)]
    if rows and rows[0][0] in ("self", "cls"): rows = rows[1:]
    ret = docs.get("return") or {}
    if not rows and not ret.get("docment"): return ""
    def code(text): return f"`{_cell(text)}`" if text else ""
    def line(name, v):
        default = v.get("default", inspect.Parameter.empty)
        default = "" if default is inspect.Parameter.empty else code(_default(default))
        stars = "**" if v.get("kind") == inspect.Parameter.VAR_KEYWORD else ""
        return f"| {code(stars + name)} | {code(_anno(v.get('anno')))} | {default} | {_cell(v.get('docment') or '')} |"
    lines = ["| parameter | type | default | description |", "| --- | --- | --- | --- |"] + [line(k, v) for k, v in rows]
    if ret.get("docment"): lines.append(f"| *returns* | {code(_anno(ret.get('anno')))} | | {_cell(ret['docment'])} |")
    return "\n".join(lines)


# --- one entry ------------------------------------------------------------------------------------------------
def _unwrap(obj):
    "The function behind a property, classmethod or staticmethod (for its source, globals and docments)."
    if isinstance(obj, (property, functools.cached_property)): return obj.fget if isinstance(obj, property) else obj.func
    if isinstance(obj, (classmethod, staticmethod)): return obj.__func__
    return getattr(obj, "__func__", obj)

def _kind_of_member(owner, name) -> str:
    raw = inspect.getattr_static(owner, name)
    if isinstance(raw, staticmethod): return "staticmethod"
    if isinstance(raw, classmethod): return "classmethod"
    if isinstance(raw, (property, functools.cached_property)): return "property"
    if inspect.isfunction(raw) or inspect.ismethoddescriptor(raw): return "method"
    return "attribute"

def _page_module_has(name) -> bool:
    if not PAGE["module"]: return False
    try: return hasattr(importlib.import_module(PAGE["module"]), name)
    except Exception: return False

def _home_module(obj, top_name):
    "The module an object is documented under: its own, or this page's module for objects a notebook cell defined."
    mod = getattr(obj, "__module__", None) or ""
    if mod == "__main__" or mod.startswith("__"): return PAGE["module"] if _page_module_has(top_name) else None
    return mod

def _public_path(module, name):
    "`dataset_kit` when the package re-exports `name`'s class or function from `module` (`dataset_kit.Dataset`), else `module`."
    import dataset_kit
    top = name.split(".")[0]
    if not (module or "").startswith("dataset_kit.") or top not in dataset_kit.__all__: return module
    try: obj = getattr(importlib.import_module(module), top)
    except Exception: return module
    if obj is not getattr(dataset_kit, top): return module
    defined_in = obj.__module__ if inspect.isclass(obj) or inspect.isroutine(obj) else f"dataset_kit.{dataset_kit._WHERE[top]}"
    return "dataset_kit" if defined_in == module else module  # one page per public name: where it is defined

def entry(kind, module, name, signature="", doc="", table="", options=()) -> str:
    "One MyST directive `py:<kind>` for `module.name`, indexed unless this page is not its home or indexed it already."
    full = f"{module}.{name}" if module else name
    index = module is not None and module == PAGE["module"] and full not in PAGE["indexed"]
    if index: PAGE["indexed"].add(full)
    PAGE["shown"].add(full)
    public = _public_path(module, name)  # users write `dataset_kit.Dataset.map`; the defining module stays its alias
    head = [f":::{{py:{kind}}} {name}{signature}"] + ([f":module: {public}"] if module else [])
    if index and public != module: head.append(f":canonical: {full}")
    head += list(options) + ([] if index else [":no-index:"])
    body = "\n\n".join(p for p in (doc, table) if p)
    return "\n".join(head) + "\n\n" + body + "\n:::\n"

def describe(obj, name=None, owner=None) -> str:
    "The entry for `obj`: a function, a class, or (with `owner`, the class it is read from) a member of a class."
    if owner is None and "." in (name or _qualname(obj)) and (found := _owner(obj, name)): owner, name = found
    if owner is not None: return describe_member(owner, (name or _qualname(obj)).split(".")[-1])
    name = name or _qualname(obj)
    module = _home_module(obj, name.split(".")[0])
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj):
        init = obj.__init__ if "__init__" in vars(obj) or dataclasses.is_dataclass(obj) else None
        sig = signature_text(obj) if init is not None else ""
        kind = "exception" if issubclass(obj, BaseException) else "class"
        return entry(kind, module, name, sig, doc, param_table(obj) if init is not None else "")
    if inspect.isroutine(obj): return entry("function", module, name, signature_text(obj), doc, param_table(obj))
    return entry("data", module, name, "", "", "", _data_options(obj))

def _qualname(obj) -> str:
    f = _unwrap(obj)
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or type(obj).__name__

def _owner(obj, name):
    "`(class, member name)` for a method/property shown as `Class.member`, found through its function's globals."
    qual = name or _qualname(obj)
    cls_name, member = qual.rsplit(".", 1)
    g = getattr(_unwrap(obj), "__globals__", {})
    cls = g.get(cls_name.split(".")[0])
    for part in cls_name.split(".")[1:]: cls = getattr(cls, part, None)
    return (cls, member) if inspect.isclass(cls) and hasattr(cls, member) else None

def describe_member(cls, member) -> str:
    "The entry for `cls.member` (a method, classmethod, staticmethod, property or attribute)."
    kind, module = _kind_of_member(cls, member), _home_module(cls, cls.__name__)
    name, raw = f"{cls.__qualname__}.{member}", inspect.getattr_static(cls, member)
    if kind == "property":
        fn = _unwrap(raw)
        ret = _anno(inspect.signature(fn).return_annotation) if callable(fn) else ""
        return entry("property", module, name, "", inspect.getdoc(raw) or "", "", [f":type: {ret}"] if ret else [])
    if kind == "attribute": return entry("attribute", module, name, "", "", "", _data_options(getattr(cls, member), cls, member))
    fn = _unwrap(raw)
    sig = signature_text(fn, drop_first=kind != "staticmethod")
    return entry(kind, module, name, sig, inspect.getdoc(getattr(cls, member)) or "", param_table(fn))

def _data_options(value, cls=None, member=None) -> list:
    "`:type:` (and `:value:` when short and plain) for a module-level name or a class attribute."
    anno = (getattr(cls, "__annotations__", {}) or {}).get(member) if cls is not None else None
    opts = [f":type: {_anno(anno) or type(value).__name__}"]
    text = repr(value)
    if len(text) <= 70 and re.fullmatch(r"[\w .,'\-\[\]()=+/]*", text): opts.append(f":value: {text}")
    return opts


# --- what a page did not show ---------------------------------------------------------------------------------
def _public_classes():
    "Every class some dataset_kit module exports (for telling a documented base class from a mixin)."
    import dataset_kit
    out = set()
    for mod in _all_modules():
        for n in getattr(mod, "__all__", []):
            v = getattr(mod, n, None)
            if inspect.isclass(v) and not n.endswith("Mixin"): out.add(v)
    return out

@functools.lru_cache(None)
def _all_modules():
    "Every dataset_kit module (importing them attaches any methods one module adds to another's class)."
    from dataset_kit._modidx import d
    mods, failed = {}, list(d["syms"])
    for _ in range(3):  # a module that fails while another is half-imported (an import cycle) is tried again after it
        for name in failed[:]:
            try: mods[name] = importlib.import_module(name); failed.remove(name)
            except Exception as e: error = e
    if failed: raise ImportError(f"the docs need every module importable; {failed} failed: {error}")
    return tuple(mods.values())

def public_members(cls) -> list:
    "Public members of `cls` defined by it or by a base that is not documented on its own (a mixin, a private base)."
    documented = _public_classes() - {cls}
    out = []
    for name in dir(cls):
        if name.startswith("_"): continue
        owner = next((b for b in cls.__mro__ if name in vars(b)), None)
        if owner is None or owner is object or not owner.__module__.startswith("dataset_kit"): continue
        if owner in documented or inspect.isclass(inspect.getattr_static(cls, name)): continue
        out.append(name)
    return out

def reference_cells(module_name) -> list:
    "Markdown for every exported name of `module_name`, and every public member of its classes, not shown so far."
    mod = importlib.import_module(module_name)
    _all_modules()
    cells = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        is_own_class = inspect.isclass(obj) and obj.__module__ == module_name and obj.__qualname__ == name
        parts = [] if f"{module_name}.{name}" in PAGE["shown"] else [_top_entry(obj, name, module_name)]
        if is_own_class:
            parts += [describe_member(obj, m) for m in public_members(obj) if f"{module_name}.{name}.{m}" not in PAGE["shown"]]
        if parts: cells.append("\n".join(parts))
    return cells

def _top_entry(obj, name, module_name):
    "An entry for `module.name`; an alias (`Sequence = List`) or an imported object is documented as data."
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and getattr(obj, "__qualname__", None) == name and obj.__module__ == module_name:
        return describe(obj, name)
    target = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
    if inspect.isclass(obj) or inspect.isroutine(obj):
        return entry("data", module_name, name, "", f"The same object as `{target}`.", "")
    return entry("data", module_name, name, "", "", "", _data_options(obj))


class ApiEntry:
    "Stands in for nbdev's `BasicMarkdownRenderer` while the docs are processed: `show_doc(x)` shows `x`'s entry."
    def __init__(self, sym, name=None, title_level=3): self.sym, self.name, self._md = sym, name, None
    def _repr_markdown_(self):  # the display machinery may ask more than once: one entry, so it is indexed once
        if self._md is None: self._md = describe(self.sym, self.name)
        return self._md
