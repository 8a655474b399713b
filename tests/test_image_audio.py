"""Image and Audio features on real files, checked against `datasets` 5 (dev-only reference) and plain pyarrow."""
import io, json, warnings, zipfile
import numpy as np
import pyarrow as pa
import pytest
import soundfile as sf
import PIL.Image, PIL.ImageOps
import fsspec

from dataset_kit.features import Features, Value
from dataset_kit.image import Image, encode_np_array, image_array_dtype
from dataset_kit.audio import Audio, AudioDecoder

datasets = pytest.importorskip("datasets")
from datasets.features.image import encode_np_array as ds_encode_np_array


def pixels(b: bytes) -> np.ndarray:
    return np.asarray(PIL.Image.open(io.BytesIO(b)))


def sine(freq, sr, seconds=1.0, amp=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(x, sr):
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.fft.rfftfreq(len(x), 1 / sr)[np.argmax(spec)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    PIL.Image.fromarray(rgb).save(d / "rgb.png")
    PIL.Image.fromarray(rgb).save(d / "rgb.webp", lossless=True)
    grey16 = rng.integers(0, 65536, (20, 30), dtype=np.uint16)
    PIL.Image.fromarray(grey16).save(d / "grey16.png")
    exif = PIL.Image.Exif(); exif[274] = 8                      # 8: turn 90° counter-clockwise to view
    base = np.zeros((30, 50, 3), np.uint8); base[:, :10] = 255  # white stripe on the left of a 50x30 picture
    PIL.Image.fromarray(base).save(d / "phone.jpg", exif=exif, quality=95)
    sr = 44100
    st = np.stack([sine(1000, sr), sine(1000, sr, amp=0.25)])   # 2 channels
    sf.write(d / "tone.wav", st.T, sr, subtype="PCM_16")
    sf.write(d / "tone.flac", st.T, sr, subtype="PCM_24")
    return dict(dir=d, rgb=rgb, grey16=grey16, base=base, stereo=st, sr=sr)


# ---------------------------------------------------------------- images

def test_png_webp_grey16_roundtrip(files):
    d, img = files["dir"], Image()
    for name, want in [("rgb.png", files["rgb"]), ("rgb.webp", files["rgb"]), ("grey16.png", files["grey16"])]:
        enc = img.encode_example(str(d / name))
        assert enc == {"path": str(d / name), "bytes": None}
        np.testing.assert_array_equal(np.asarray(img.decode_example(enc)), want)
        np.testing.assert_array_equal(np.asarray(img.decode_example({"path": None, "bytes": (d / name).read_bytes()})), want)
    assert img.decode_example({"path": str(d / "rgb.webp"), "bytes": None}).format == "WEBP"
    g = img.decode_example(img.encode_example(files["grey16"]))
    assert g.mode == "I;16" and np.asarray(g).dtype == np.uint16


def test_exif_orientation_matches_datasets(files):
    path = str(files["dir"] / "phone.jpg")
    ours = Image().decode_example({"path": path, "bytes": None})
    theirs = datasets.Image().decode_example({"path": path, "bytes": None})
    assert ours.size == theirs.size == (30, 50)                     # turned upright: portrait
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    assert np.asarray(ours)[-5:, :, 0].mean() > 200                  # the stripe is now at the bottom
    raw = PIL.Image.open(path); assert raw.size == (50, 30)        # the file itself is landscape
    assert Image(mode="L").decode_example({"path": path, "bytes": None}).mode == "L"


def test_pil_images_keep_their_format(files):
    d, img = files["dir"], Image()
    jpg = PIL.Image.open(io.BytesIO((d / "phone.jpg").read_bytes()))   # no filename: must be re-encoded
    enc = img.encode_example(jpg)
    assert enc["path"] is None and PIL.Image.open(io.BytesIO(enc["bytes"])).format == "JPEG"
    assert np.abs(pixels(enc["bytes"]).astype(int) - np.asarray(jpg).astype(int)).mean() < 2  # quality="keep"
    webp = PIL.Image.open(io.BytesIO((d / "rgb.webp").read_bytes()))
    np.testing.assert_array_equal(pixels(img.encode_example(webp)["bytes"]), files["rgb"])   # lossless re-save
    rgba = jpg.convert("RGBA"); rgba.format = "JPEG"                   # JPEG cannot hold RGBA: fall back to PNG
    assert img.encode_example(rgba)["bytes"][:4] == b"\x89PNG"
    cmyk = PIL.Image.new("CMYK", (4, 4))
    assert PIL.Image.open(io.BytesIO(img.encode_example(cmyk)["bytes"])).format == "TIFF"
    assert img.encode_example(PIL.Image.open(d / "rgb.png")) == {"path": str(d / "rgb.png"), "bytes": None}


CASES = [((8, 8, 3), "uint8"), ((8, 8, 3), "int64"), ((8, 8, 4), "uint16"), ((8, 8, 3), "float32"), ((8, 8), "bool"),
         ((8, 8), "uint8"), ((8, 8), "int16"), ((8, 8), "uint16"), ((8, 8), "int32"), ((8, 8), "int64"),
         ((8, 8), "uint64"), ((8, 8), "float32"), ((8, 8), "float64"), ((8, 8), "float16"), ((8, 8), ">i4"),
         ((8, 8), "int8"), ((8, 8), "complex64"), ((8, 8, 2), "uint8")]

@pytest.mark.parametrize("shape,dtype", CASES)
def test_numpy_dtype_rules_match_datasets(shape, dtype):
    a = (np.arange(int(np.prod(shape))).reshape(shape) % 200).astype(dtype)
    def run(f):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try: out = f(a)
            except TypeError as e: return "TypeError", str(e), len(w)
        return pixels(out["bytes"]), None, len(w)
    ours, msg, n_ours = run(encode_np_array)
    theirs, _, n_theirs = run(ds_encode_np_array)
    if isinstance(theirs, str):
        assert ours == "TypeError" and (np.dtype(dtype).name in msg or str(np.dtype(dtype)) in msg)
        return
    np.testing.assert_array_equal(ours, theirs)                         # same pixels as datasets stores
    np.testing.assert_array_equal(ours.astype(np.float64), a.astype(np.float64).squeeze() if a.dtype != bool else a)
    # same warnings, except float64 greyscale which datasets narrows to float32 silently (Pillow's 'F' mode)
    assert n_ours == n_theirs + (dtype == "float64")


def test_dtype_rule_messages():
    with pytest.warns(UserWarning, match="int64 to int32"): assert image_array_dtype("int64") == np.int32
    with pytest.warns(UserWarning, match="float64 to float32"): assert image_array_dtype("float64") == np.float32
    with pytest.raises(TypeError, match="multi-channel"): encode_np_array(np.zeros((2, 2, 3), np.float64))
    with pytest.raises(TypeError, match="float16"): encode_np_array(np.zeros((2, 2), np.float16))


def test_image_from_fsspec_and_zip(files):
    d, img = files["dir"], Image()
    with zipfile.ZipFile(d / "pics.zip", "w") as z: z.write(d / "rgb.png", "inner/rgb.png")
    url = f"zip://inner/rgb.png::{d / 'pics.zip'}"
    np.testing.assert_array_equal(np.asarray(img.decode_example({"path": url, "bytes": None})), files["rgb"])
    fsspec.filesystem("memory").pipe("/pics/m.webp", (d / "rgb.webp").read_bytes())
    np.testing.assert_array_equal(np.asarray(img.decode_example("memory://pics/m.webp")), files["rgb"])
    emb = img.embed_storage(img.encode_arrow_column([url, "memory://pics/m.webp", str(d / "rgb.png"), None]))
    assert emb.field("path").to_pylist() == ["rgb.png", "m.webp", "rgb.png", None]
    assert emb.field("bytes").to_pylist()[:3] == [(d / "rgb.png").read_bytes(), (d / "rgb.webp").read_bytes(),
                                                  (d / "rgb.png").read_bytes()]
    emb2 = img.embed_storage(img.encode_arrow_column([url, str(d / "rgb.png")]), remote_files=False)
    assert emb2.to_pylist() == [{"bytes": None, "path": url}, {"bytes": (d / "rgb.png").read_bytes(), "path": "rgb.png"}]
    with pytest.raises(FileNotFoundError, match="gone.png. does not exist"): img.decode_example({"path": str(d / "gone.png"), "bytes": None})


def test_column_encoding_equals_per_value(files):
    imgs = [np.full((8, 8, 3), i, np.uint8) for i in range(100)] + [None]
    col = Image().encode_arrow_column(imgs)
    assert col.to_pylist() == [None if a is None else Image().encode_example(a) for a in imgs]
    assert col.null_count == 1


# ---------------------------------------------------------------- audio

def test_wav_flac_decode_resample_and_channels(files):
    d, sr = files["dir"], files["sr"]
    for name in ["tone.wav", "tone.flac"]:
        a = Audio().decode_example({"path": str(d / name), "bytes": None})
        data = a.get_all_samples().data
        assert data.shape == (2, sr) and data.dtype == np.float32 and a["sampling_rate"] == sr
        np.testing.assert_allclose(data, files["stereo"], atol=1e-4)
        np.testing.assert_allclose(a["array"], files["stereo"].mean(axis=0), atol=1e-4)   # mono mean, as datasets
        assert a["path"] == str(d / name) and a.metadata.num_channels == 2
        r = Audio(sampling_rate=16000, num_channels=1).decode_example({"path": None, "bytes": (d / name).read_bytes()})
        s = r.get_all_samples()
        assert s.data.shape == (1, 16000) and s.sample_rate == 16000 and r.metadata.sample_rate == sr
        assert abs(peak_hz(r["array"], 16000) - 1000) <= 1
        np.testing.assert_allclose(np.abs(r["array"][2000:-2000]).max(), 0.375, atol=2e-3)   # amplitude kept
    part = Audio().decode_example(str(d / "tone.wav")).get_samples_played_in_range(0.25, 0.5)
    assert part.data.shape == (2, sr // 4) and part.pts_seconds == 0.25


def test_resampler_is_band_limited():
    sr = 48000
    x = sine(1000, sr) + sine(10000, sr)           # 10 kHz is above the 8 kHz Nyquist limit of 16 kHz audio
    enc = Audio().encode_example({"array": x, "sampling_rate": sr})
    y = Audio(sampling_rate=16000).decode_example(enc)["array"]
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    freqs = np.fft.rfftfreq(len(y), 1 / 16000)
    at = lambda f: spec[np.argmin(np.abs(freqs - f))]
    assert abs(freqs[np.argmax(spec)] - 1000) <= 1
    assert at(6000) < 1e-2 * at(1000)               # ~ -57 dB; naive decimation would alias 10 kHz onto 6 kHz at 0 dB
    up = Audio(sampling_rate=44100).decode_example(Audio().encode_example({"array": sine(440, 8000), "sampling_rate": 8000}))
    assert len(up["array"]) == 44100 and abs(peak_hz(up["array"], 44100) - 440) <= 1


def test_float_arrays_roundtrip_exactly():
    rng = np.random.default_rng(1)
    for arr in [rng.standard_normal(1000).astype(np.float32) * 3, rng.standard_normal((2, 500))]:
        out = Audio().decode_example(Audio().encode_example({"array": arr, "sampling_rate": 22050}))
        np.testing.assert_array_equal(out.get_all_samples().data, np.atleast_2d(arr))
        assert out.get_all_samples().data.dtype == arr.dtype
    ints = np.array([0, 1000, -32768], np.int16)
    out = Audio().decode_example(Audio().encode_example({"array": ints, "sampling_rate": 8000}))
    np.testing.assert_array_equal(out["array"], ints.astype(np.float32))     # like datasets: cast to float32
    st = Audio(num_channels=2).decode_example(Audio().encode_example({"array": np.ones(10, np.float32), "sampling_rate": 8000}))
    assert st.get_all_samples().data.shape == (2, 10)


def test_audio_errors_name_the_problem(files):
    with pytest.raises(ValueError, match="Cannot decode the audio 9 bytes"): Audio().decode_example({"path": None, "bytes": b"not audio"})
    with pytest.raises(ValueError, match="'path' or 'bytes'"): Audio().decode_example({"path": None, "bytes": None})
    with pytest.raises(FileNotFoundError, match="gone.wav"): Audio().decode_example("memory://gone.wav")
    with pytest.raises(NotImplementedError, match="num_channels=2"):
        six = Audio().encode_example({"array": np.zeros((6, 100), np.float32), "sampling_rate": 8000})
        Audio(num_channels=2).decode_example(six).get_all_samples()


# ---------------------------------------------------------------- Arrow files, both libraries

def test_arrow_file_roundtrip_and_datasets_reads_it(files, tmp_path):
    d = files["dir"]
    feats = Features({"image": Image(), "audio": Audio(), "raw": Image(decode=False), "label": Value("int64")})
    batch = {
        "image": [str(d / "rgb.png"), files["grey16"], PIL.Image.open(io.BytesIO((d / "rgb.webp").read_bytes())), None],
        "audio": [str(d / "tone.flac"), {"array": sine(440, 8000), "sampling_rate": 8000}, (d / "tone.wav").read_bytes(), None],
        "raw": [(d / "phone.jpg").read_bytes(), None, str(d / "rgb.png"), {"path": "x.png", "bytes": b"12"}],
        "label": [0, 1, 2, 3],
    }
    table = feats.encode_to_arrow(batch)
    table = pa.table({n: feats[n].embed_storage(table[n]) if n != "label" else table[n] for n in table.column_names},
                     schema=feats.arrow_schema)       # self-contained: file bytes inside the Arrow file
    path = tmp_path / "media.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w: w.write_table(table)

    back = pa.ipc.open_stream(pa.memory_map(str(path))).read_all()
    assert back.equals(table)
    assert json.loads(back.schema.metadata[b"huggingface"])["info"]["features"]["image"] == {"_type": "Image"}
    assert Features.from_arrow_schema(back.schema) == feats
    rows = back.to_pylist()
    dec = [feats.decode_example(r) for r in rows]
    np.testing.assert_array_equal(np.asarray(dec[0]["image"]), files["rgb"])
    np.testing.assert_array_equal(np.asarray(dec[1]["image"]), files["grey16"])
    np.testing.assert_array_equal(np.asarray(dec[2]["image"]), files["rgb"])
    np.testing.assert_allclose(dec[0]["audio"].get_all_samples().data, files["stereo"], atol=1e-6)
    np.testing.assert_array_equal(dec[1]["audio"]["array"], sine(440, 8000))
    assert dec[3]["image"] is None and dec[3]["audio"] is None and dec[0]["raw"]["path"] is None
    assert dec[0]["audio"]["path"] == "tone.flac"

    ds = datasets.Dataset.from_file(str(path))
    assert isinstance(ds.features["image"], datasets.Image) and isinstance(ds.features["audio"], datasets.Audio)
    assert ds.features["raw"] == datasets.Image(decode=False)
    no_audio = ds.select_columns(["image", "raw", "label"])   # datasets needs torchcodec to decode audio
    for i in range(3): np.testing.assert_array_equal(np.asarray(no_audio[i]["image"]), np.asarray(dec[i]["image"]))
    assert no_audio[0]["raw"] == rows[0]["raw"]
    stored = ds.cast_column("audio", datasets.Audio(decode=False))
    assert stored["audio"][:] == [r["audio"] for r in rows]


def test_reads_what_datasets_writes(files, tmp_path):
    from datasets.arrow_writer import ArrowWriter as DsWriter
    d = files["dir"]
    ds_feats = datasets.Features({"image": datasets.Image(), "label": datasets.Value("int32")})
    path = str(tmp_path / "theirs.arrow")
    with DsWriter(path=path, features=ds_feats) as w:
        w.write_batch({"image": [files["rgb"]], "label": [0]})
        w.write_batch({"image": [str(d / "phone.jpg")], "label": [1]})
        w.finalize()
    t = pa.ipc.open_stream(pa.memory_map(path)).read_all()
    feats = Features.from_arrow_schema(t.schema)
    assert feats == Features({"image": Image(), "label": Value("int32")})
    rows = [feats.decode_example(r) for r in t.to_pylist()]
    np.testing.assert_array_equal(np.asarray(rows[0]["image"]), files["rgb"])
    assert rows[1]["image"].size == (30, 50)


def test_seed_example_numpy_image_dataset():
    from dataset_kit.arrow_dataset import Dataset
    ds = Dataset.from_dict({"i": [np.zeros(shape=(16, 16, 3), dtype=np.uint8)]}, features=Features({"i": Image()}))
    im = ds[0]["i"]
    assert isinstance(im, PIL.Image.Image) and im.size == (16, 16) and im.mode == "RGB"


@pytest.mark.parametrize("fmt,subtype,sr", [("OGG", "VORBIS", 16000), ("OGG", "OPUS", 48000), ("MP3", "MPEG_LAYER_III", 16000)])
def test_compressed_audio_decodes(fmt, subtype, sr):
    buf = io.BytesIO(); sf.write(buf, sine(440, sr), sr, format=fmt, subtype=subtype)
    a = Audio(sampling_rate=22050).decode_example({"path": None, "bytes": buf.getvalue()})
    assert a.metadata.sample_rate == sr and a.metadata.codec == f"{fmt}/{subtype}" and a["sampling_rate"] == 22050
    assert abs(len(a["array"]) - 22050) < 2500 and abs(peak_hz(a["array"], 22050) - 440) <= 2


def test_seed_examples_decode_false_via_cast_column(files):
    from dataset_kit.arrow_dataset import Dataset
    d = files["dir"]
    ds = Dataset.from_dict({"image": [str(d / "rgb.png")], "audio": [str(d / "tone.wav")]},
                           features=Features({"image": Image(), "audio": Audio()}))
    assert isinstance(ds[0]["image"], PIL.Image.Image) and ds[0]["audio"]["sampling_rate"] == files["sr"]
    raw = ds.cast_column("image", Image(decode=False)).cast_column("audio", Audio(decode=False))
    assert raw[0] == {"image": {"bytes": None, "path": str(d / "rgb.png")}, "audio": {"bytes": None, "path": str(d / "tone.wav")}}


def test_parquet_embeds_files_and_datasets_reads_them(files, tmp_path):
    import pyarrow.parquet as pq
    from dataset_kit.arrow_writer import ParquetWriter
    d = files["dir"]
    feats = Features({"image": Image(), "audio": Audio(), "album": [Image()]})
    out = str(tmp_path / "media.parquet")
    with ParquetWriter(out, features=feats) as w:
        w.write_batch({"image": [str(d / "phone.jpg"), files["grey16"]], "audio": [str(d / "tone.flac"), None],
                       "album": [[str(d / "rgb.png"), str(d / "rgb.webp")], []]})
        w.finalize()
    t = pq.read_table(out)
    assert Features.from_arrow_schema(t.schema) == feats
    rows = t.to_pylist()
    assert rows[0]["image"] == {"bytes": (d / "phone.jpg").read_bytes(), "path": "phone.jpg"}
    assert rows[0]["audio"] == {"bytes": (d / "tone.flac").read_bytes(), "path": "tone.flac"}
    assert [a["path"] for a in rows[0]["album"]] == ["rgb.png", "rgb.webp"] and rows[0]["album"][1]["bytes"]
    ds = datasets.Dataset.from_parquet(out).select_columns(["image", "album"])
    np.testing.assert_array_equal(np.asarray(ds[1]["image"]), files["grey16"])
    assert ds[0]["image"].size == (30, 50)
    np.testing.assert_array_equal(np.asarray(ds[0]["album"][1]), files["rgb"])


from hypothesis import given, settings, strategies as st, HealthCheck
import hypothesis.extra.numpy as hnp

GREY = ["bool", "uint8", "uint16", ">u2", "int16", "int32", ">i4", "uint32", "float32", "int64", "float64"]

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(GREY).flatmap(lambda dt: hnp.arrays(
    dt, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=9),
    elements=(dict(min_value=-2**31, max_value=2**31 - 1) if dt in ("int64", "int32", ">i4") else
              dict(min_value=0, max_value=2**31 - 1) if dt == "uint32" else
              st.floats(allow_nan=False, allow_infinity=False, width=32) if dt == "float64" else  # float32-exact values
              dict(allow_nan=False, allow_infinity=False) if dt == "float32" else None))))
def test_greyscale_arrays_roundtrip_property(a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = np.asarray(Image().decode_example(Image().encode_example(a)))
    assert back.shape == a.shape
    np.testing.assert_array_equal(back.astype(np.float64), a.astype(np.float64))


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 2), st.integers(1, 300)),
                  elements=dict(allow_nan=False, allow_infinity=False)),
       st.sampled_from([8000, 16000, 22050, 44100]))
def test_float_audio_roundtrip_property(a, sr):
    out = Audio().decode_example(Audio().encode_example({"array": a, "sampling_rate": sr}))
    np.testing.assert_array_equal(out.get_all_samples().data, a)
    assert out["sampling_rate"] == sr


def test_image_type_known_without_importing_image_module(tmp_path):
    import subprocess, sys
    code = ("from dataset_kit.features import Features; "
            "print(Features.from_dict({'a': {'_type': 'Image'}, 'b': {'_type': 'Audio', 'sampling_rate': 16000}}))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(tmp_path),
                         env={**__import__("os").environ, "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[1])})
    assert res.returncode == 0, res.stderr[-500:]
    assert "Image(mode=None, decode=True)" in res.stdout and "Audio(sampling_rate=16000" in res.stdout


def test_pil_column_inferred_as_image_in_a_fresh_process_like_datasets(tmp_path):
    import subprocess, sys
    code = ("import PIL.Image; from dataset_kit.arrow_dataset import Dataset; "
            "im = PIL.Image.new('RGB', (3, 2), 'red'); ds = Dataset.from_dict({'img': [im, None], 'album': [[im], []]}); "
            "print(ds.features, ds[0]['img'].size, ds[0]['album'][0].size)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(tmp_path),
                         env={**__import__("os").environ, "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[1])})
    assert res.returncode == 0, res.stderr[-500:]
    theirs = datasets.Dataset.from_dict({"img": [PIL.Image.new("RGB", (3, 2))], "album": [[PIL.Image.new("RGB", (3, 2))]]}).features
    assert type(theirs["img"]).__name__ == "Image" and type(theirs["album"].feature).__name__ == "Image"
    assert res.stdout.strip() == "{'img': Image(mode=None, decode=True), 'album': List(Image(mode=None, decode=True))} (3, 2) (3, 2)"


def test_cast_path_strings_to_image_and_audio_like_datasets(files):
    from dataset_kit.arrow_dataset import Dataset
    d = files["dir"]
    paths = {"image": [str(d / "rgb.png"), str(d / "phone.jpg")], "audio": [str(d / "tone.wav"), str(d / "tone.flac")]}
    ours = Dataset.from_dict(paths).cast_column("image", Image()).cast_column("audio", Audio(sampling_rate=16000))
    theirs = datasets.Dataset.from_dict(paths).cast_column("image", datasets.Image()).cast_column("audio", datasets.Audio(sampling_rate=16000))
    assert ours.features.to_dict() == theirs.features.to_dict()
    for i in range(2):
        np.testing.assert_array_equal(np.asarray(ours[i]["image"]), np.asarray(theirs.select_columns(["image"])[i]["image"]))
        a = ours[i]["audio"]  # (datasets needs torchcodec to decode audio: compare with the tone written)
        assert a["sampling_rate"] == 16000 and abs(peak_hz(a["array"][0] if a["array"].ndim > 1 else a["array"], 16000) - 1000) <= 2
    assert list(ours.cast_column("audio", Audio(decode=False))["audio"]) == list(theirs.cast_column("audio", datasets.Audio(decode=False))["audio"])
