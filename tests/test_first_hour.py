"The first hour of a new user: what the README and the docs suggest works as written, from the library and the command line."
import os, shlex, subprocess, sys
from pathlib import Path
import pytest
from dataset_kit import load_dataset
from dataset_kit.cli import main
from dataset_kit.testing.laion import write_laion_source


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    "One prepared mnist-text-small cache shared by the tests below (preparing it takes a second)."
    root = tmp_path_factory.mktemp("cache")
    load_dataset("mnist_text_small", split="test", cache_dir=str(root))
    return root


def test_k_fold_split_list_gives_a_list_of_datasets(cache):
    folds = load_dataset("mnist_text_small", split=["train[:10%]", "train[10%:20%]"], cache_dir=str(cache))
    assert isinstance(folds, list) and [len(f) for f in folds] == [900, 900]
    whole = load_dataset("mnist_text_small", split="train[:20%]", cache_dir=str(cache))
    assert folds[1][0] == whole[900]
    assert folds[0].text_to_array(folds[0][0]["text"]).shape == (14, 14)  # each fold has the codec attached


def test_a_list_as_config_name_is_a_type_error_naming_it(cache):
    with pytest.raises(TypeError, match=r"name=\['a', 'b'\]: the config name .* must be a str, one of \['default'\]"):
        load_dataset("mnist_text_small", ["a", "b"], cache_dir=str(cache))
    with pytest.raises(TypeError, match="split="):
        load_dataset("mnist_text_small", ("train", "test"), cache_dir=str(cache))


def test_show_takes_a_split_spec(cache, capsys):
    assert main(["show", "mnist_text_small", "--split", "test[:2]", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "--- test[:2][0]" in out and "--- test[:2][1]" in out and "test[:2][2]" not in out
    assert main(["show", "mnist_text_small", "--split", "test[-1:]", "-n", "5", "--cache-dir", str(cache)]) == 0
    assert capsys.readouterr().out.count("--- test[-1:]") == 1
    assert main(["show", "mnist_text_small", "--split", "tset[:2]", "--cache-dir", str(cache)]) == 1
    assert "Unknown split 'tset' in the split spec 'tset[:2]' of mnist_text_small" in capsys.readouterr().err


def test_info_suggests_a_prepare_command_that_works(tmp_path, capsys):
    cache = tmp_path / "cache"
    assert main(["info", "laion400m", "--config", "embeddings", "--cache-dir", str(cache)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("not prepared yet: run `dataset-kit prepare laion400m --config embeddings --data-dir "), line
    command = shlex.split(line.split("`")[1])
    src = write_laion_source(str(tmp_path / "laion"), num_shards=1, rows_per_shard=6, num_parts=1)
    argv = command[1:-1] + [src.embeddings_dir, "--cache-dir", str(cache), "--quiet", "--out", ""]
    assert main(argv) == 0, capsys.readouterr().err  # the suggested command, with the placeholder filled in
    assert main(["info", "laion400m", "--config", "embeddings", "--data-dir", src.embeddings_dir, "--cache-dir", str(cache)]) == 0
    assert "split train: " in capsys.readouterr().out


def run_cli(*args, cwd, cache):
    "The installed `dataset-kit` command, as a user runs it."
    exe = Path(sys.executable).parent / "dataset-kit"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "import sys; from dataset_kit.cli import main; sys.exit(main())"]
    env = {**os.environ, "DATASET_KIT_CACHE": str(cache), "MPLBACKEND": "Agg"}
    return subprocess.run(cmd + list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_main_job_preview_goes_where_out_says_and_is_printed(tmp_path):
    work, cache = tmp_path / "work", tmp_path / "cache"
    work.mkdir()
    r = run_cli("prepare", "mnist_text_small", cwd=work, cache=cache)
    assert r.returncode == 0, r.stderr
    default = cache / "previews" / "mnist_text_small-default-train.png"
    assert default.read_bytes()[:4] == b"\x89PNG" and f"preview of 16 examples: {default}" in r.stdout
    assert list(work.iterdir()) == []  # nothing written into the current folder
    assert "prepared in " in r.stdout and "reused" not in r.stdout
    r = run_cli("prepare", "mnist_text_small", "--out", "digits/first.png", "-n", "8", cwd=work, cache=cache)
    assert r.returncode == 0, r.stderr
    out = work / "digits" / "first.png"
    assert out.read_bytes()[:4] == b"\x89PNG" and f"preview of 8 examples: {out}" in r.stdout
    reused = [l for l in r.stdout.splitlines() if l.startswith("reused ")]
    assert len(reused) == 1 and "(prepared on 20" in reused[0] and "prepared in" not in r.stdout, r.stdout
    r = run_cli("prepare", "mnist_text_small", "--force", "--out", "", cwd=work, cache=cache)
    assert r.returncode == 0 and "prepared in " in r.stdout and "reused" not in r.stdout and "preview of" not in r.stdout


def test_readme_says_what_make_test_costs_and_where_the_site_is():
    import re
    root = Path(__file__).resolve().parents[1]
    readme, makefile = (root / "README.md").read_text(), (root / "Makefile").read_text()
    assert re.search(r"[\d.]+ GB of disk", readme) and re.search(r"about\s+\*\*\d+ minutes\*\*\s+on 2 cores", readme), "the cost of `make test`"
    assert "open `docs/_build/html/index.html`" in readme and "docs docs/_build/html" in makefile, "where `make docs` puts the site"
