"The import graph of the package, read from its source, and the layer order DEVELOPING.md writes down."
import ast, os, re
from pathlib import Path

PKG = "dataset_kit"


def modules(pkg_dir) -> dict:
    "`{dotted module name: path}` of every module of the package (the generated `_modidx` aside)."
    pkg_dir = Path(pkg_dir); out = {}
    for p in sorted(pkg_dir.rglob("*.py")):
        if p.name == "_modidx.py": continue
        parts = list(p.relative_to(pkg_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__": parts.pop()
        out[".".join(parts)] = p
    return out


def public_names(pkg_dir) -> dict:
    "`{top-level name: defining module}` from the lazy `_PUBLIC` table of the package's `__init__.py`."
    tree = ast.parse((Path(pkg_dir) / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "_PUBLIC":
            table = ast.literal_eval(node.value)
            return {name: f"{PKG}.{mod}" for mod, names in table.items() for name in names.split()}
    return {}


def _absolute(module, level, current, is_pkg) -> str:
    if level == 0: return module or ""
    base = current.split(".") if is_pkg else current.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _nearest(name, mods):
    while name and name not in mods: name = name.rpartition(".")[0]
    return name or None


def imports_of(name, path, mods, public) -> set:
    "Modules of the package `name` imports: at module level or in functions, and module names written in strings."
    tree, is_pkg, out = ast.parse(Path(path).read_text()), Path(path).name == "__init__.py", set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            base = _absolute(n.module, n.level, name, is_pkg)
            for a in n.names:
                if f"{base}.{a.name}" in mods: out.add(f"{base}.{a.name}")
                elif base == PKG and a.name in public: out.add(public[a.name])   # `from dataset_kit import X`: X's module
                elif base in mods: out.add(base)
        elif isinstance(n, ast.Import):
            out.update(m for a in n.names if (m := _nearest(a.name, mods)))
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and re.fullmatch(rf"{PKG}(\.\w+)+", n.value):
            if (m := _nearest(n.value, mods)) and m != PKG: out.add(m)   # importlib.import_module("dataset_kit.x"), tables
    out.discard(name)
    return out


def import_graph(pkg_dir) -> dict:
    "`{module: set of package modules it imports}` for the package at `pkg_dir`."
    mods, public = modules(pkg_dir), public_names(pkg_dir)
    return {m: imports_of(m, p, mods, public) for m, p in mods.items()}


def layer_order(developing_md) -> list:
    "The layers written under '## Layers' in DEVELOPING.md, lowest first: one numbered line of `module` names each."
    text = re.split(r"^## Layers", Path(developing_md).read_text(), maxsplit=1, flags=re.M)[1].split("\n## ", 1)[0]
    return [[f"{PKG}.{m}" if m != PKG else PKG for m in re.findall(r"`([\w.]+)`", line.split(" — ")[0])]
            for line in text.splitlines() if re.match(r"\s*\d+\.\s", line)]


def cycles(graph) -> list:
    "The import cycles of `graph`: its strongly connected components of more than one module (Tarjan)."
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index: visit(v)
    return out


def violations(pkg_dir, developing_md, allowed=()) -> list:
    "What breaks the layering: modules missing from the layer list, upward imports, and cycles (minus `allowed` edges)."
    graph, layers = import_graph(pkg_dir), layer_order(developing_md)
    rank = {m: i for i, layer in enumerate(layers) for m in layer}
    problems = [f"{m} is in no layer of DEVELOPING.md's '## Layers' list: add it" for m in sorted(graph) if m not in rank]
    problems += [f"{m} is listed in DEVELOPING.md but does not exist" for m in sorted(rank) if m not in graph]
    allowed = set(allowed)
    for m in sorted(graph):
        for t in sorted(graph[m]):
            if (m, t) in allowed or m not in rank or t not in rank: continue
            if rank[t] > rank[m]: problems.append(f"upward import: {m} (layer {rank[m] + 1}) imports {t} (layer {rank[t] + 1})")
    pruned = {m: {t for t in ts if (m, t) not in allowed} for m, ts in graph.items()}
    problems += [f"import cycle: {' -> '.join(c)}" for c in cycles(pruned)]
    return problems
