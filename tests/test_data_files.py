"Split inference from file and folder names, checked against `datasets`' own resolution on the same layouts."
import os
import pytest
from dataset_kit.data_files import resolve_data_files

LAYOUTS = {
    "names": ["train.csv", "test.csv", "validation.csv"],
    "sharded": ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet", "data/test-00000-of-00001.parquet",
                "data/extra-00000-of-00001.parquet"],
    "dirs": ["train/a.png", "train/b.png", "validation/c.png", "test/sub/d.png"],
    "prefixed": ["my_train_file.csv", "dev.csv", "ignored.csv"],
    "no_keywords": ["a.csv", "sub/b.csv"],
    "long_names": ["training/x.csv", "eval/y.csv"],
    "separators": ["a-train.csv", "a-test.csv", "a-valid.csv", "a.val.1.csv"],
    "nested_dirs": ["splits/train/x.csv", "splits/test/y.csv"],
    "hidden": ["train.csv", ".hidden/test.csv", "__pycache__/test.csv", "README.md"],
    "keyword_inside_word": ["contest.csv", "trainer.csv", "train.csv"],
}

@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_split_inference_matches_datasets(tmp_path, layout):
    hf_df = pytest.importorskip("datasets.data_files")
    for f in LAYOUTS[layout]:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("x\n1\n")
    base = str(tmp_path)
    theirs = hf_df.DataFilesDict.from_patterns(hf_df.get_data_patterns(base), base)
    ours = resolve_data_files(data_dir=base)
    rel = lambda d: {k: sorted(os.path.relpath(str(f), base) for f in v) for k, v in d.items()}
    assert rel(ours) == rel(theirs)
    assert list(ours) == list(theirs)  # same split order
