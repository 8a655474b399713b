"""Fixtures datasets' tests ask for (their own live in its repository, not in the sdist): small files and datasets made here."""
import csv, json, os, sqlite3
import pyarrow as pa, pyarrow.parquet as pq, pytest
from .alias import install, InternalName
install()
import datasets

ROWS = [{"col_1": str(i), "col_2": i, "col_3": float(i)} for i in range(4)]
COLS = {k: [r[k] for r in ROWS] for k in ROWS[0]}

@pytest.fixture(scope="session")
def dataset():
    F = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
        "labels": datasets.Sequence(datasets.ClassLabel(names=["negative", "positive"])),
        "answers": datasets.Sequence({"text": datasets.Value("string"), "answer_start": datasets.Value("int32")}),
        "id": datasets.Value("int64")})
    return datasets.Dataset.from_dict({"tokens": [["foo"] * 5] * 10, "labels": [[1] * 5] * 10,
        "answers": [{"answer_start": [97], "text": ["1976"]}] * 10, "id": list(range(10))}, features=F)

@pytest.fixture(scope="session")
def arrow_file(tmp_path_factory, dataset):
    p = str(tmp_path_factory.mktemp("d") / "file.arrow"); dataset.map(cache_file_name=p); return p

@pytest.fixture(scope="session")
def dataset_dict(): return COLS

@pytest.fixture(scope="session")
def arrow_path(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("d") / "dataset.arrow"); datasets.Dataset.from_dict(COLS).map(cache_file_name=p); return p

@pytest.fixture(scope="session")
def csv_path(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("d") / "dataset.csv")
    with open(p, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(ROWS[0])); w.writeheader(); w.writerows(ROWS)
    return p

def _jsonl(tmp_path_factory, name, rows):
    p = str(tmp_path_factory.mktemp("d") / name)
    with open(p, "w") as f: f.writelines(json.dumps(r) + "\n" for r in rows)
    return p

@pytest.fixture(scope="session")
def jsonl_path(tmp_path_factory): return _jsonl(tmp_path_factory, "dataset.jsonl", ROWS)

@pytest.fixture(scope="session")
def jsonl_str_path(tmp_path_factory):
    return _jsonl(tmp_path_factory, "dataset-str.jsonl", [dict(r, col_1="s" + r["col_1"]) for r in ROWS])

@pytest.fixture(scope="session")
def parquet_path(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("d") / "dataset.parquet")
    schema = pa.schema({"col_1": pa.string(), "col_2": pa.int64(), "col_3": pa.float64()})
    pq.write_table(pa.Table.from_pydict(COLS, schema=schema), p); return p

@pytest.fixture(scope="session")
def text_path(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("d") / "dataset.txt")
    with open(p, "w") as f: f.writelines(f"{i}\n" for i in range(4))
    return p

@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("d") / "dataset.sqlite")
    con = sqlite3.connect(p); con.execute("CREATE TABLE dataset(col_1 text, col_2 int, col_3 real)")
    con.executemany("INSERT INTO dataset VALUES (?, ?, ?)", [tuple(r.values()) for r in ROWS]); con.commit(); con.close()
    return p

@pytest.fixture(scope="session")
def image_file(tmp_path_factory):
    from PIL import Image
    import numpy as np
    p = str(tmp_path_factory.mktemp("d") / "image_rgb.jpg")
    Image.fromarray((np.arange(480 * 640 * 3) % 255).astype("uint8").reshape(480, 640, 3)).save(p); return p

@pytest.fixture
def set_sqlalchemy_silence_uber_warning(): pass

@pytest.fixture
def mockfs(): raise InternalName("mockfs fixture (tests.fixtures.fsspec)")

@pytest.fixture
def offline_parquet_uploads(): raise InternalName("hub fixture")
