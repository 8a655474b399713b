"""LAION-400M: the miniature sources, both configs prepared inline, with num_proc=2 and on a Dask LocalCluster
(identical rows), the embeddings as numpy, and the bad-input errors."""
import importlib, inspect, io, json, math, os, tarfile, warnings

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image as PILImage

from dataset_kit import load_dataset, load_dataset_builder, DatasetBuilder
from dataset_kit.catalog.laion400m import Laion400m, LaionFormatError
from dataset_kit.testing.laion import write_laion_source, write_image_shard, write_embedding_part

TAGS = ["UNLIKELY", "UNSURE", "NSFW", "UNTAGGED"]


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return write_laion_source(str(tmp_path_factory.mktemp("laion") / "src"), num_shards=4, rows_per_shard=15,
                              num_parts=3, seed=7)


@pytest.fixture(scope="module")
def client(dask_client): return dask_client  # conftest.py: a LocalCluster with 2 workers


def prepare(data_dir, out, config="images", **kw):
    b = Laion400m(config_name=config, data_dir=data_dir, cache_dir=os.path.dirname(out),
                  **{k: kw.pop(k) for k in list(kw) if k == "on_bad_record"})
    b.download_and_prepare(out, **kw)
    return b.as_dataset(split="train")


def table(ds): return ds.with_format("arrow")[:len(ds)]


def expected_row(r):
    "The mapping of the dataset card, written out independently of the builder."
    sim = r["similarity"]
    return {"caption": r["caption"] or "", "license": r["LICENSE"] if r["LICENSE"] is not None else "",
            "nsfw": TAGS.index(r["NSFW"]) if r["NSFW"] in TAGS[:3] else 3,
            "original_height": r["original_height"], "original_width": r["original_width"],
            "similarity": -1.0 if sim is None or math.isnan(sim) else sim, "url": r["url"]}


# --- the miniature sources are in the real layouts -----------------------------------------------------------

def test_image_shards_layout(src):
    for shard, rows in src.shard_rows.items():
        stem = f"{src.images_dir}/{shard:05d}"
        keys = [r["key"] for r in rows]
        assert all(len(k) == 9 and k.isdigit() and int(k) // 10**4 == shard for k in keys)
        assert keys != sorted(keys)  # completion order
        assert any(r["status"] != "success" and r["width"] is None for r in rows)
        table_ = pq.read_table(stem + ".parquet")
        assert table_.column_names[:6] == ["url", "caption", "NSFW", "similarity", "LICENSE", "key"]
        assert table_["key"].to_pylist() == keys
        with tarfile.open(stem + ".tar") as t:
            names = t.getnames()
            ok = [r["key"] for r in rows if r["status"] == "success"]
            assert names == [f"{k}{e}" for k in ok for e in (".jpg", ".txt", ".json")]
            im = PILImage.open(io.BytesIO(t.extractfile(f"{ok[0]}.jpg").read()))
            assert im.format == "JPEG" and im.size == (48, 32)
            assert json.loads(t.extractfile(f"{ok[0]}.json").read())["key"] == ok[0]
        stats = json.load(open(stem + "_stats.json"))
        assert stats["count"] == len(rows) and stats["successes"] == len(ok)
    allrows = [r for rows in src.shard_rows.values() for r in rows]
    assert {None, "", "NSFW?"} <= {r["NSFW"] for r in allrows}
    assert any(isinstance(r["similarity"], float) and math.isnan(r["similarity"]) for r in allrows)
    assert any(r["LICENSE"] is None for r in allrows)


def test_embedding_parts_layout(src):
    for i, part in enumerate(src.parts):
        img = np.load(f"{src.embeddings_dir}/img_emb/img_emb_{i}.npy", mmap_mode="r")
        txt = np.load(f"{src.embeddings_dir}/text_emb/text_emb_{i}.npy", mmap_mode="r")
        meta = pq.read_table(f"{src.embeddings_dir}/metadata/metadata_{i}.parquet")
        assert img.dtype == txt.dtype == np.float16 and img.shape == txt.shape == (meta.num_rows, 512)
        np.testing.assert_allclose(np.linalg.norm(img.astype(np.float32), axis=1), 1, atol=5e-3)
    img, txt = src.embeddings("img_emb").astype(np.float32), src.embeddings("text_emb").astype(np.float32)
    assert ((txt @ img.T).argmax(1) == np.arange(len(img))).all()  # each text finds its own image
    sims = [m["similarity"] for m in src.metadata]
    cos = np.einsum("ij,ij->i", img, txt)
    np.testing.assert_allclose([s for s in sims if not math.isnan(s)], cos[[not math.isnan(s) for s in sims]], atol=1e-5)


# --- both configs, locally, with num_proc=2 and on Dask ------------------------------------------------------

def test_images_rows(src, tmp_path):
    ds = prepare(src.images_dir, str(tmp_path / "a"))
    want = [expected_row(r) for s in sorted(src.shard_rows) for r in src.successes(s)]
    assert len(ds) == len(want) == src.num_images
    t = table(ds)
    got = t.drop_columns(["image"]).to_pylist()
    assert got == want
    imgs = t["image"].to_pylist()
    assert [i["bytes"] for i in imgs] == [src.images[r["key"]] for s in sorted(src.shard_rows) for r in src.successes(s)]
    assert imgs[0]["path"] == f"00000.tar/{src.successes(0)[0]['key']}.jpg"
    assert ds.features["nsfw"].names == TAGS
    assert ds[0]["image"].format == "JPEG"
    assert ds.info.config_name == "images" and str(ds.info.version) == "1.0.0"


def test_embeddings_rows_and_numpy(src, tmp_path):
    ds = prepare(src.embeddings_dir, str(tmp_path / "e"), "embeddings")
    assert table(ds).drop_columns(["image_embedding", "text_embedding"]).to_pylist() == \
        [{k: v for k, v in expected_row(m).items()} for m in src.metadata]
    npds = ds.with_format("numpy")
    for col, which in (("image_embedding", "img_emb"), ("text_embedding", "text_emb")):
        a = npds[col]
        assert isinstance(a, np.ndarray) and a.shape == (len(ds), 512) and a.dtype == np.float16
        assert np.array_equal(a, src.embeddings(which))
    assert npds[:5]["text_embedding"].shape == (5, 512)


@pytest.mark.parametrize("config", ["images", "embeddings"])
def test_num_proc_and_dask_identical(src, tmp_path, client, config):
    data_dir = src.images_dir if config == "images" else src.embeddings_dir
    base = table(prepare(data_dir, str(tmp_path / "one"), config))
    procs = prepare(data_dir, str(tmp_path / "procs"), config, num_proc=2)
    dask = prepare(data_dir, str(tmp_path / "dask"), config, dask_client=client)
    assert table(procs).equals(base) and table(dask).equals(base)
    assert len(dask.info.splits["train"].shard_lengths or [1]) == 2  # two jobs, one per worker


def test_dask_scheduler_address(src, tmp_path, client):
    ds = prepare(src.embeddings_dir, str(tmp_path / "addr"), "embeddings", dask_client=client.scheduler.address)
    assert len(ds) == src.num_images


def test_streaming_matches(src, tmp_path):
    b = Laion400m(data_dir=src.images_dir, cache_dir=str(tmp_path))
    rows = list(b.as_streaming_dataset(split="train"))
    assert [r["url"] for r in rows] == [r["url"] for s in sorted(src.shard_rows) for r in src.successes(s)]


def test_registry_and_load_dataset(src, tmp_path):
    mod = importlib.import_module("dataset_kit.catalog.laion400m")
    builders = [c for _, c in inspect.getmembers(mod, inspect.isclass)
                if issubclass(c, DatasetBuilder) and c.__module__ == mod.__name__]
    assert builders == [Laion400m]
    b = load_dataset_builder("laion400m", "embeddings", data_dir=src.embeddings_dir, cache_dir=str(tmp_path))
    assert isinstance(b, Laion400m) and b.config.name == "embeddings"
    ds = load_dataset("laion400m", data_dir=src.images_dir, cache_dir=str(tmp_path), split="train")
    assert len(ds) == src.num_images and "image" in ds.features


def test_cli_prints_embeddings_as_shapes(src, tmp_path, capsys):
    from dataset_kit.cli import main
    assert main(["prepare", "laion400m", "--config", "embeddings", "--data-dir", src.embeddings_dir,
                 "--cache-dir", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "image_embedding: list of shape (512,), float: [" in out and "text_embedding: list of shape (512,)" in out
    assert max(len(line) for line in out.splitlines()) < 200
    png = tmp_path / "grid.png"
    assert main(["show", "laion400m", "--data-dir", src.images_dir, "--cache-dir", str(tmp_path), "-n", "4", "--out", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG" and f"preview: {png}" in capsys.readouterr().out


# --- bad input ------------------------------------------------------------------------------------------------

def copy_shards(src, dest, shard_rows=None, drop_member=None):
    "Rewrite the shards into `dest`, optionally with rows removed from one parquet or a member from one tar."
    for s, rows in src.shard_rows.items():
        imgs = {r["key"]: src.images[r["key"]] for r in src.successes(s) if r["key"] != drop_member}
        write_image_shard(dest, s, (shard_rows or {}).get(s, rows), imgs)


def test_member_without_metadata(src, tmp_path):
    gone = src.successes(2)[1]["key"]
    copy_shards(src, str(tmp_path / "in"), {2: [r for r in src.shard_rows[2] if r["key"] != gone]})
    with pytest.raises(LaionFormatError, match=f"shard 00002: tar member {gone}.jpg has no row in the parquet"):
        prepare(str(tmp_path / "in"), str(tmp_path / "out"))
    with pytest.warns(UserWarning, match="shard 00002: 1 tar member"):
        ds = prepare(str(tmp_path / "in"), str(tmp_path / "out2"), on_bad_record="skip")
    assert len(ds) == src.num_images - 1


def test_metadata_without_member(src, tmp_path):
    gone = src.successes(1)[0]["key"]
    copy_shards(src, str(tmp_path / "in"), drop_member=gone)
    with pytest.raises(LaionFormatError, match=f"shard 00001: 1 row.*have no image in 00001.tar, keys \\['{gone}'\\]"):
        prepare(str(tmp_path / "in"), str(tmp_path / "out"), num_proc=2)
    with pytest.warns(UserWarning, match="shard 00001"):
        ds = prepare(str(tmp_path / "in"), str(tmp_path / "out2"), on_bad_record="skip")
    assert len(ds) == src.num_images - 1


def test_tar_without_parquet(src, tmp_path):
    copy_shards(src, str(tmp_path / "in"))
    os.remove(tmp_path / "in" / "00003.parquet")
    with pytest.raises(LaionFormatError, match="shard 00003: 00003.tar has no 00003.parquet"):
        prepare(str(tmp_path / "in"), str(tmp_path / "out"))


def test_npy_rows_differ_from_parquet(src, tmp_path, client):
    dest = str(tmp_path / "in")
    for i, p in enumerate(src.parts):
        img = p["img_emb"][:-2] if i == 1 else p["img_emb"]
        write_embedding_part(dest, i, p["metadata"], img, p["text_emb"])
    n = len(src.parts[1]["metadata"])
    msg = f"embedding part 1: img_emb_1.npy has {n - 2} rows but metadata_1.parquet has {n}"
    with pytest.raises(LaionFormatError, match=msg):
        prepare(dest, str(tmp_path / "out"), "embeddings")
    with pytest.raises(LaionFormatError, match=msg):  # a worker's error reaches the driver
        prepare(dest, str(tmp_path / "out_dask"), "embeddings", dask_client=client)
    with pytest.warns(UserWarning, match="embedding part 1"):
        ds = prepare(dest, str(tmp_path / "out2"), "embeddings", on_bad_record="skip")
    assert len(ds) == src.num_images - n


def test_no_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match="img2dataset"):
        Laion400m(cache_dir=str(tmp_path)).download_and_prepare()
    with pytest.raises(FileNotFoundError, match="no NNNNN.tar shards"):
        prepare(str(tmp_path), str(tmp_path / "out"))


def test_root_of_the_source_suggests_its_subfolders(src, tmp_path):
    for config, sub in (("images", "images"), ("embeddings", "embeddings")):
        with pytest.raises(FileNotFoundError, match=f"Its sub-folder '{src.root}/{sub}' holds that layout: pass data_dir="):
            load_dataset("laion400m", config, data_dir=src.root, cache_dir=str(tmp_path))


def test_truncated_tar(src, tmp_path):
    copy_shards(src, str(tmp_path / "in"))
    p = tmp_path / "in" / "00002.tar"
    p.write_bytes(p.read_bytes()[:3000])
    with pytest.raises(LaionFormatError, match="shard 00002: 00002.tar is not a readable tar archive"):
        prepare(str(tmp_path / "in"), str(tmp_path / "out"))


def test_embeddings_table_path_matches_rows_and_resumes(src, tmp_path):
    "Preparing `embeddings` builds Arrow tables directly; streaming goes row by row: same rows, same keys."
    b = Laion400m(config_name="embeddings", data_dir=src.embeddings_dir, cache_dir=str(tmp_path))
    prepared = table(prepare(src.embeddings_dir, str(tmp_path / "p"), "embeddings"))
    streamed = list(b.as_streaming_dataset(split="train"))
    assert len(streamed) == prepared.num_rows
    enc = b.info.features.encode_example
    assert [enc(r) for r in streamed] == prepared.to_pylist()
    from dataset_kit import DownloadManager
    gk = b._split_generators(DownloadManager(data_dir=src.embeddings_dir))[0].gen_kwargs
    keys = [k for k, _ in b._generate_examples(**gk)]
    got = list(b._job_batches(gk, None, 5))
    assert sum((k for _, k, _ in got), []) == keys
    for skip in (3, 5, len(src.parts[0]["metadata"]), len(src.parts[0]["metadata"]) + 2):
        resumed = list(b._job_batches(gk, None, 5, skip))
        assert resumed[0][:2] == (None, None) and resumed[0][2] == keys[skip - 1]
        assert sum((k for _, k, _ in resumed[1:]), []) == keys[skip:]
        import pyarrow as pa
        assert pa.concat_tables([t for t, _, _ in resumed[1:]]).equals(prepared.slice(skip))


def test_data_dir_url(src, tmp_path):
    "A bucket-like data_dir (fsspec memory://): shards are listed and streamed, npy parts copied to a temp file."
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.put(src.root, "/laion-test-url", recursive=True)
    try:
        for config in ("images", "embeddings"):
            url = f"memory://laion-test-url/{config}"
            got = table(prepare(url, str(tmp_path / f"url-{config}"), config))
            local = table(prepare(src.images_dir if config == "images" else src.embeddings_dir,
                                  str(tmp_path / f"local-{config}"), config))
            assert got.equals(local)
    finally:
        fs.rm("/laion-test-url", recursive=True)


def test_pax_header_claiming_a_petabyte_is_skipped_in_skip_mode(src, tmp_path):
    "No header may make the reader allocate what the archive cannot hold: the shard is reported, the others read."
    copy_shards(src, str(tmp_path / "in"))
    p = tmp_path / "in" / "00002.tar"
    with tarfile.open(p) as t: members = [(m, t.extractfile(m).read()) for m in t]
    images = [m.name for m, _ in members if m.name.endswith(".jpg")]
    bad = images[len(images) // 2]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for m, data in members:
            if m.name == bad: m.pax_headers = {"size": str(10**15)}
            t.addfile(m, io.BytesIO(data))
    p.write_bytes(buf.getvalue())
    with pytest.raises(LaionFormatError, match="shard 00002: .*tar member .*unexpected end of data|shard 00002: 00002.tar is not a readable"):
        prepare(str(tmp_path / "in"), str(tmp_path / "out"))
    with pytest.warns(UserWarning, match="shard 00002"):
        ds = prepare(str(tmp_path / "in"), str(tmp_path / "out2"), on_bad_record="skip")
    kept = sum(1 for k in ds["url"] if k)  # every row is read; shard 2 stops at the bad member
    assert len(ds) == src.num_images - (len(images) - images.index(bad)) == kept


@pytest.mark.parametrize("column", ["caption", "key"])
def test_shard_parquet_missing_a_column_is_skipped_in_skip_mode(src, tmp_path, column):
    copy_shards(src, str(tmp_path / "in"))
    p = str(tmp_path / "in" / "00001.parquet")
    pq.write_table(pq.read_table(p).drop_columns([column]), p)
    with pytest.raises(LaionFormatError, match=f"shard 00001 \\(00001.parquet\\) lacks column\\(s\\) \\['{column}'\\]"):
        prepare(str(tmp_path / "in"), str(tmp_path / "out"))
    with pytest.warns(UserWarning, match=f"shard 00001 .*lacks column.*{column}.*skipped"):
        ds = prepare(str(tmp_path / "in"), str(tmp_path / "out2"), on_bad_record="skip")
    assert len(ds) == src.num_images - len(src.successes(1))


def test_embedding_metadata_missing_caption_is_skipped_in_skip_mode(src, tmp_path):
    dest = str(tmp_path / "in")
    for i, part in enumerate(src.parts):
        write_embedding_part(dest, i, part["metadata"], part["img_emb"], part["text_emb"])
    meta = os.path.join(dest, "metadata", "metadata_2.parquet")
    pq.write_table(pq.read_table(meta).drop_columns(["caption"]), meta)
    with pytest.raises(LaionFormatError, match="embedding part 2: metadata_2.parquet lacks column\\(s\\) \\['caption'\\]"):
        prepare(dest, str(tmp_path / "out"), "embeddings")
    with pytest.warns(UserWarning, match="embedding part 2"):
        ds = prepare(dest, str(tmp_path / "out2"), "embeddings", on_bad_record="skip")
    assert len(ds) == src.num_images - len(src.parts[2]["metadata"])
