"The Dataset family as a façade: regressions of the structure (fresh imports, shared features, order of unique values, duplicate columns)."
import os, subprocess, sys
import numpy as np
import pyarrow as pa
import pytest
from dataset_kit.arrow_dataset import Dataset, concatenate_datasets
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
    with pytest.raises(ValueError, match=r"share columns \['y'\]"): concatenate_datasets([a, b], axis=1)
    assert concatenate_datasets([a, b.rename_column("y", "y2")], axis=1).column_names == ["x", "y", "y2", "z"]
