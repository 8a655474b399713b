"""Read the junit XML of a run and sort its tests. A failing test counts as reaching into internals when it failed on
an `Internal` placeholder (a name dataset_kit does not have), on a private attribute (`_x`), on the Hub, or when its
source reads a private attribute of an object or a private name imported from `datasets`, or mocks a `datasets.` path
with `patch`; every other test exercises
the public API. Prints the pass rate of those (as the issue measured it: passing tests always count) and a strict
rate that also leaves out passing tests whose source touches private names."""
import sys, re, collections, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
import ast, os, glob
PRIVATE = re.compile(r"(?<![\w.])(?!self\b|cls\b)[a-z_]\w*\._[a-z]\w*")
private_tests = {}
for path in glob.glob(os.path.join(os.path.dirname(__file__), "test_*.py")):
    src = open(path).read(); mod = os.path.basename(path)[:-3]
    tree = ast.parse(src)
    private_names = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or '').startswith('datasets')
                     for a in n.names if a.name.startswith('_')}
    priv_re = re.compile(r"\b(" + "|".join(map(re.escape, private_names)) + r")\b") if private_names else None
    for n in ast.walk(tree):
        if isinstance(n, ast.FunctionDef) and n.name.startswith("test"):
            seg = ast.get_source_segment(src, n) or ""
            patches = re.search(r"patch(?:\.object)?\(\s*[\"']datasets\.", seg)  # mocks one of datasets' internals
            private_tests[(mod, n.name)] = bool(PRIVATE.search(seg) or (priv_re and priv_re.search(seg)) or patches)
def touches_private(mod, name):
    base = re.sub(r"\[.*", "", name)
    for (m, fn), p in private_tests.items():
        if m == mod and (base == fn or base.startswith(fn + "_")) and p: return True
    return False
res = collections.Counter(); causes = collections.Counter(); per_file = collections.defaultdict(collections.Counter)
fails = []
strict = collections.Counter()
for tc in root.iter('testcase'):
    f = tc.get('classname', '').split('.')[1] if '.' in tc.get('classname', '') else tc.get('classname')
    kids = {c.tag: c for c in tc}
    if 'skipped' in kids: kind = 'skipped'
    elif 'failure' in kids or 'error' in kids:
        el = kids.get('failure', kids.get('error'))
        text = (el.get('message') or '') + '\n' + (el.text or '')
        kind = 'internal' if touches_private(f, tc.get('name')) or re.search(r"has no attribute '_|does not have the attribute '_|'Internal' object|<internal |InternalName|No module named 'datasets\.|hub: internal|subprocess launcher", text) else 'fail'
        if kind == 'fail':
            last = [l for l in text.splitlines() if re.match(r'^E\s', l)]
            causes[(last[0] if last else (el.get('message') or '')[:150])[:160]] += 1
            fails.append(f"{tc.get('classname')}::{tc.get('name')}")
    else: kind = 'pass'
    strict[kind if not touches_private(f, tc.get('name')) else 'internal'] += 1
    res[kind] += 1; per_file[f][kind] += 1
public = res['pass'] + res['fail']
print(dict(res), f"public-API pass rate: {res['pass']}/{public} = {res['pass']/max(public,1):.1%}")
sp = strict['pass'] + strict['fail']
print(f"strict (tests touching private names excluded, passing or not): {strict['pass']}/{sp} = {strict['pass']/max(sp,1):.1%}")
for f, c in sorted(per_file.items()): print(f"  {f}: {dict(c)}")
print("\nTop causes:")
for c, n in causes.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 60): print(f"{n:4d}  {c}")
open(sys.argv[1] + '.fails', 'w').write('\n'.join(fails))
