"The Dataset family as a façade: regressions of the structure (fresh imports, shared features, order of unique values, duplicate columns)."
import inspect, os, subprocess, sys
import numpy as np
import pyarrow as pa
import pytest
from dataset_kit.arrow_dataset import Dataset, concatenate_datasets
from dataset_kit.dataset_dict import DatasetDict
from dataset_kit.info import DatasetInfo
from dataset_kit.arrow_writer import ArrowWriter
from dataset_kit.features import Value, ClassLabel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_datasets_of_one_schema_do_not_share_features(tmp_path):
    paths = []
    for k in range(2):
        paths.append(str(tmp_path / f"d{k}.arrow"))
        with ArrowWriter(paths[-1]) as w: w.write_batch({"x": [k, k + 1], "y": ["a", "b"]})
    a, b = Dataset.from_file(paths[0]), Dataset.from_file(paths[1])
    a.features["z"] = Value("string")
    assert list(b.features) == ["x", "y"]
    assert list(Dataset.from_file(paths[0]).features) == ["x", "y"]


def test_unique_keeps_first_appearance_order():
    ds = Dataset.from_dict({"w": ["pear", "apple", "fig", "apple", "pear", "banana"], "n": [3, 1, 2, 1, 3, 0]})
    assert ds.unique("w") == ["pear", "apple", "fig", "banana"]
    assert ds.unique("w") != sorted(ds.unique("w"))
    assert ds.select([5, 0, 1]).unique("n") == [0, 3, 1]   # through an indices mapping too


def test_unique_order_matches_datasets():
    datasets = pytest.importorskip("datasets")
    data = {"w": ["pear", "apple", "fig", "apple", "pear", "banana"]}
    assert Dataset.from_dict(data).unique("w") == datasets.Dataset.from_dict(data).unique("w")


def test_concatenate_axis_1_refuses_duplicate_columns():
    a = Dataset.from_dict({"x": [1, 2], "y": ["a", "b"]})
    b = Dataset.from_dict({"y": ["c", "d"], "z": [0.5, 1.5]})
    with pytest.raises(ValueError, match=r"duplicated columns \['y'\]"): concatenate_datasets([a, b], axis=1)
    assert concatenate_datasets([a, b.rename_column("y", "y2")], axis=1).column_names == ["x", "y", "y2", "z"]
def test_disable_caching_in_a_fresh_interpreter():
    "`import dataset_kit; dataset_kit.disable_caching()` once failed on a partially initialised dataset_map."
    code = "import dataset_kit; dataset_kit.disable_caching(); print(dataset_kit.is_caching_enabled())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"




def _public_members(cls):
    "Public members defined by dataset_kit classes in `cls.__mro__` (not those of `dict` or `object`)."
    names = set()
    for k in cls.__mro__:
        if k.__module__.startswith("dataset_kit"): names |= {n for n in vars(k) if not n.startswith("_")}
    return sorted(names)


def _home(cls, name):
    "The class in `cls.__mro__` that defines `name`, and the function behind it."
    owner = next(k for k in cls.__mro__ if name in vars(k))
    v = vars(owner)[name]
    fn = v.fget if isinstance(v, property) else getattr(v, "__func__", v)
    return owner, getattr(fn, "__wrapped__", fn)


@pytest.mark.parametrize("cls", [Dataset, DatasetDict, DatasetInfo])
def test_every_public_method_has_one_home(cls):
    "Each public member is declared by the class or by a mixin named in its statement, in that class's own module, with a docstring."
    named = set(cls.__mro__)
    for name in _public_members(cls):
        owner, fn = _home(cls, name)
        assert owner in named, name
        if not (inspect.isfunction(fn) or isinstance(vars(owner)[name], property)): continue  # data, e.g. DatasetDict.dataset_class
        if inspect.isfunction(fn):
            assert fn.__module__ == owner.__module__, f"{cls.__name__}.{name} comes from {fn.__module__}, not {owner.__module__}"
        v = vars(owner)[name]
        doc = (v if isinstance(v, property) else getattr(v, "__func__", v)).__doc__   # a property's doc is its getter's unless given
        assert doc, f"{cls.__name__}.{name} has no docstring"
    if cls is not Dataset: return
    for name in ("from_dict", "from_list", "from_pandas", "from_file", "from_generator", "from_csv", "from_json",
                 "from_parquet", "from_text", "load_from_disk"):
        assert isinstance(vars(cls)[name], classmethod), f"{name} is not a classmethod in the class body"


def test_no_patching_of_the_dataset_family_from_other_modules():
    "`@patch` only on classes a module defines itself, and no method assigned to Dataset from outside (grep of the source)."
    import ast, glob
    for path in glob.glob(os.path.join(ROOT, "dataset_kit", "*.py")):
        tree = ast.parse(open(path, encoding="utf-8").read())
        own = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any("patch" in ast.unparse(d) for d in node.decorator_list):
                ann = node.args.args[0].annotation if node.args.args else None
                assert ann is not None and ast.unparse(ann) in own, f"{os.path.basename(path)}: @patch of {ast.unparse(ann) if ann else '?'}.{node.name}"
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    for el in (t.elts if isinstance(t, ast.Tuple) else [t]):
                        if isinstance(el, ast.Attribute) and isinstance(el.value, ast.Name) and \
                           el.value.id in ("Dataset", "DatasetDict", "DatasetInfo") and el.attr != "dataset_class":
                            assert False, f"{os.path.basename(path)}: {el.value.id}.{el.attr} assigned"


def test_dataset_dict_from_the_top_level_in_a_fresh_interpreter(tmp_path):
    "`dataset_kit.DatasetDict` builds its splits with `Dataset` even when nothing else was imported."
    Dataset.from_dict({"a": [1, 2]}).save_to_disk(str(tmp_path / "dd" / "train"))
    (tmp_path / "dd" / "dataset_dict.json").write_text('{"splits": ["train"]}')
    code = f"import dataset_kit; print(dataset_kit.DatasetDict.load_from_disk({str(tmp_path / 'dd')!r})['train']['a'][:])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[1, 2]"
