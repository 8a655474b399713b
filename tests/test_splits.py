"Split specs, versions and DatasetInfo: property tests, and agreement with the reference `datasets` library."
import json, math, os

import pytest
from hypothesis import given, settings, strategies as st

from dataset_kit.splits import (ReadInstruction, Split, NamedSplit, NamedSplitAll, SplitInfo, SplitDict, percent,
                                make_file_instructions)
from dataset_kit.version import Version
from dataset_kit.info import DatasetInfo

hf = pytest.importorskip("datasets")
from datasets.arrow_reader import make_file_instructions as hf_make_file_instructions

# ---- strategies ---------------------------------------------------------------------------------------------

split_names = st.sampled_from(["train", "test", "validation", "fold.1", "x_2"])

@st.composite
def relative_instructions(draw):
    name = draw(split_names)
    unit = draw(st.sampled_from(["%", "abs", None]))
    if unit == "%":
        bound = st.one_of(st.none(), st.integers(-100, 100))
        rounding = draw(st.sampled_from([None, "closest", "pct1_dropremainder"]))
    else:
        bound = st.one_of(st.none(), st.integers(-10_000, 10_000))
        rounding = None
    return ReadInstruction(name, rounding=rounding, from_=draw(bound), to=draw(bound), unit=unit)

@st.composite
def read_instructions(draw):
    parts = draw(st.lists(relative_instructions(), min_size=1, max_size=4))
    # sums of percent parts must share their rounding, as in `datasets`: give them all the first one's
    first_pct = next((p._relative_instructions[0].rounding for p in parts if p._relative_instructions[0].unit == "%"), None)
    fixed = []
    for p in parts:
        r = p._relative_instructions[0]
        if r.unit == "%": p = ReadInstruction(r.splitname, rounding=first_pct, from_=r.from_, to=r.to, unit="%")
        fixed.append(p)
    return sum(fixed[1:], fixed[0])

lengths = st.dictionaries(split_names, st.integers(0, 5000), min_size=5, max_size=5).filter(lambda d: len(d) == 5)

def _absolute(ri, n2l):
    try: return [(a.splitname, a.from_, a.to) for a in ri.to_absolute(n2l)]
    except ValueError as e: return ("error", "less than 100" in str(e))

# ---- properties --------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(read_instructions(), st.fixed_dictionaries({n: st.integers(0, 5000) for n in ["train", "test", "validation", "fold.1", "x_2"]}))
def test_spec_round_trip_and_bounds(ri, name2len):
    spec = ri.to_spec()
    back = ReadInstruction.from_spec(spec)
    assert back.to_spec() == spec
    assert _absolute(back, name2len) == _absolute(ri, name2len)
    try: absolute = ri.to_absolute(name2len)
    except ValueError as e:
        assert "less than 100 elements" in str(e)
        return
    for a in absolute:
        n = name2len[a.splitname]
        assert 0 <= a.from_ <= n and 0 <= a.to <= n

@settings(max_examples=300, deadline=None)
@given(st.integers(-100, 100), st.integers(-100, 100), st.integers(0, 100_000))
def test_rounding_rules(a, b, n):
    closest = ReadInstruction("train", from_=a, to=b, unit="%").to_absolute({"train": n})[0]
    clamp = lambda x: min(max(n + x, 0) if x < 0 else x, n)
    assert (closest.from_, closest.to) == (clamp(round(a * n / 100)), clamp(round(b * n / 100)))
    pct1 = ReadInstruction("train", from_=a, to=b, unit="%", rounding="pct1_dropremainder")
    if n < 100:
        with pytest.raises(ValueError, match="less than 100"): pct1.to_absolute({"train": n})
    else:
        r = pct1.to_absolute({"train": n})[0]
        assert (r.from_, r.to) == (clamp(a * math.trunc(n / 100)), clamp(b * math.trunc(n / 100)))

# ---- agreement with `datasets` -----------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(read_instructions(), st.fixed_dictionaries({n: st.integers(0, 5000) for n in ["train", "test", "validation", "fold.1", "x_2"]}))
def test_same_as_datasets(ri, name2len):
    spec = ri.to_spec()
    theirs = hf.ReadInstruction.from_spec(spec)
    assert theirs.to_spec() == spec
    def run(x):
        try: return [(a.splitname, a.from_, a.to) for a in x.to_absolute(name2len)]
        except ValueError: return "error"
    assert run(ri) == run(theirs)

SPECS = ["train", "test + validation", "test[10:]", "test[:10%]", "test[:20%](pct1_dropremainder)",
         "test[:-5%]+train[40%:60%]", "train[1_0:-2_0]", "train[-30%:]", "train[:]", "train[5:2]",
         "train[-101%:]", "train[:10%](closest)", "train[1:2](closest)", "train[:10%%]", "train[:x]", "train +",
         "tr ain", "train[:10%]+test[:5%](pct1_dropremainder)", "train[_:]", "all", "fold.1[3:]"]

@pytest.mark.parametrize("spec", SPECS)
def test_from_spec_matches_datasets(spec):
    n2l = {"train": 1000, "test": 250, "validation": 40, "fold.1": 7}
    def run(mod):
        try:
            ri = mod.ReadInstruction.from_spec(spec)
            return ri.to_spec(), [(a.splitname, a.from_, a.to) for a in ri.to_absolute(n2l)]
        except (ValueError, TypeError) as e: return "error"
    ours = run(__import__("dataset_kit.splits", fromlist=["x"]))
    assert ours == run(hf)

def test_unknown_split_message_matches():
    with pytest.raises(ValueError) as ours: ReadInstruction.from_spec("validaton").to_absolute({"train": 5, "test": 5})
    with pytest.raises(ValueError) as theirs: hf.ReadInstruction.from_spec("validaton").to_absolute({"train": 5, "test": 5})
    assert str(ours.value) == str(theirs.value) == """Unknown split "validaton". Should be one of ['train', 'test']."""

def test_named_splits_match_datasets():
    for name in ["train", "all", "custom_1", "a.b"]:
        assert str(Split(name)) == str(hf.Split(name)) and repr(Split(name)) == repr(hf.Split(name))
        assert Split(name) == name and hash(Split(name)) == hash(name)
    for bad in ["a b", "a-b", "train+x y", ""]:
        with pytest.raises(ValueError): hf.NamedSplit(bad)
        with pytest.raises(ValueError): NamedSplit(bad)
    assert isinstance(Split("all"), NamedSplitAll)
    for ours, theirs in [(Split.TRAIN.subsplit(k=7), hf.Split.TRAIN.subsplit(k=7)),
                         (Split.TRAIN.subsplit([3, 1, 1]), hf.Split.TRAIN.subsplit([3, 1, 1]))]:
        assert [repr(s) for s in ours] == [repr(s) for s in theirs]

def test_split_tree_resolution_matches_datasets():
    ours = {n: SplitInfo(n, num_examples=100) for n in ["train", "test"]}
    theirs = {n: hf.SplitInfo(n, num_examples=100) for n in ["train", "test"]}
    def resolve(mod, infos, build):
        try:
            return [(i.name, s) for i, s in build(mod).get_read_instruction(infos).get_list_sliced_split_info()]
        except ValueError as e: return "error"
    cases = [lambda m: m.Split.TRAIN.subsplit(m.percent[:25]) + m.Split.TEST,
             lambda m: m.Split.TRAIN.subsplit(m.percent[:25]) + m.Split.TRAIN.subsplit(m.percent[75:]),
             lambda m: m.Split.TEST + m.Split.ALL,
             lambda m: (m.Split.TRAIN + m.Split.TEST).subsplit(m.percent[:50]),
             lambda m: (m.Split.TRAIN.subsplit(m.percent[:25]) + m.Split.TEST).subsplit(m.percent[:50]),
             lambda m: m.Split.ALL]
    import dataset_kit.splits as dk
    for build in cases: assert resolve(dk, ours, build) == resolve(hf, theirs, build)

def test_file_instructions_match_datasets():
    ours = [SplitInfo("train", num_examples=10, shard_lengths=[4, 0, 4, 2]), SplitInfo("test", num_examples=5)]
    theirs = [hf.SplitInfo("train", num_examples=10, shard_lengths=[4, 0, 4, 2]), hf.SplitInfo("test", num_examples=5)]
    for spec in ["train", "train[3:9]+test[:2]", "train[4:8]", "test[2:]", "train[:0]", "train[-1:]+test[50%:]"]:
        a = make_file_instructions("toy", ours, spec, "arrow", "/data")
        b = hf_make_file_instructions("toy", theirs, spec, "arrow", "/data")
        # `datasets` lists empty shards (take=-1 on a 0-row file); we skip them: same rows either way
        keep = [d for d in b.file_instructions if not d["filename"].endswith("00001-of-00004.arrow")]
        assert (a.num_examples, a.file_instructions) == (b.num_examples, keep), spec

def test_version_matches_datasets():
    assert Version("1.2.3") == hf.Version("1.2.3").version_str and repr(Version("1.2.3")) == repr(hf.Version("1.2.3"))
    assert sorted(["1.10.0", "1.2.0", "0.9.9"], key=Version) == sorted(["1.10.0", "1.2.0", "0.9.9"], key=hf.Version)
    for bad in ["1.0", "v1.0.0", "1.0.0.0", "1.a.0"]:
        with pytest.raises(ValueError, match="Format should be x.y.z"): Version(bad)

def test_dataset_info_json_is_interchangeable(tmp_path):
    from dataset_kit.features import Features, Value, ClassLabel
    ours = DatasetInfo(description="d", citation="c", license="MIT", version="1.2.3", builder_name="b", config_name="default",
                       features=Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])}),
                       splits=[SplitInfo("train", 10, 2, shard_lengths=[1, 1], dataset_name="b")],
                       supervised_keys=("text", "label"), download_checksums={"u": {"num_bytes": 3, "checksum": None}},
                       download_size=3, dataset_size=10, size_in_bytes=13)
    ours.write_to_directory(str(tmp_path / "ours"))
    theirs = hf.DatasetInfo.from_directory(str(tmp_path / "ours"))
    (tmp_path / "theirs").mkdir()
    theirs.write_to_directory(str(tmp_path / "theirs"))
    assert json.load(open(tmp_path / "ours" / "dataset_info.json")) == json.load(open(tmp_path / "theirs" / "dataset_info.json"))
    assert DatasetInfo.from_directory(str(tmp_path / "theirs")) == ours
    assert sorted(os.listdir(tmp_path / "ours")) == ["LICENSE", "dataset_info.json"]

def test_dataset_info_write_is_atomic(tmp_path, monkeypatch):
    DatasetInfo(description="first").write_to_directory(str(tmp_path))
    import contextlib, dataset_kit.info as mod
    real = mod.atomic_write
    @contextlib.contextmanager
    def half_then_crash(path, mode="wb"):
        with real(path, mode) as f:
            class Half:
                def write(self, data): f.write(data[: len(data) // 2]); f.flush(); raise OSError("disk full")
            yield Half()
    monkeypatch.setattr(mod, "atomic_write", half_then_crash)
    with pytest.raises(OSError, match="disk full"): DatasetInfo(description="second").write_to_directory(str(tmp_path))
    monkeypatch.undo()
    # the previous file is intact and no temporary file is left behind
    assert DatasetInfo.from_directory(str(tmp_path)).description == "first"
    assert os.listdir(tmp_path) == ["dataset_info.json"]

def test_dataset_info_on_memory_filesystem():
    info = DatasetInfo(description="remote", license="CC0", version="2.0.0", splits=[SplitInfo("train", 5, 1)])
    info.write_to_directory("memory://bucket/ds", storage_options={"skip_instance_cache": False})
    import fsspec
    fs = fsspec.filesystem("memory")
    assert fs.cat("/bucket/ds/LICENSE") == b"CC0"
    assert DatasetInfo.from_directory("memory://bucket/ds") == info
