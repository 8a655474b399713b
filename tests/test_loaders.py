"Feeding models: torch DataLoaders (map-style and streaming), split_dataset_by_node, resumable streams."
import json, os, pickle, subprocess, sys, textwrap
import numpy as np, pyarrow as pa, pytest, torch
from torch.utils.data import DataLoader
import datasets as hf
import dataset_kit as dk
from dataset_kit.distributed import split_dataset_by_node

def _rows(loader, col="i"):
    return [int(v) for b in loader for v in b[col]]

def _table_file(path, n_rows=1000):
    feats = dk.Features({"i": dk.Value("int64"), "a": dk.Array2D((4, 4), "float32"), "lab": dk.ClassLabel(names=["a", "b", "c"])})
    with dk.ArrowWriter(path, features=feats) as w:
        w.write_batch({"i": list(range(n_rows)), "a": np.arange(n_rows * 16, dtype=np.float32).reshape(n_rows, 4, 4),
                       "lab": [k % 3 for k in range(n_rows)]})
    return path

def test_map_style_dataloader_workers_shuffle_every_row_once(tmp_path):
    ds = dk.Dataset.from_file(_table_file(str(tmp_path / "t.arrow"))).with_format("torch")
    loader = DataLoader(ds, batch_size=64, shuffle=True, num_workers=2)
    for epoch in range(2):
        seen = _rows(loader)
        assert sorted(seen) == list(range(1000)) and seen != list(range(1000))
    b = next(iter(DataLoader(ds, batch_size=8)))
    assert (b["i"].dtype, b["a"].dtype, b["a"].shape, b["lab"].dtype) == (torch.int64, torch.float32, (8, 4, 4), torch.int64)
    assert torch.equal(b["a"][3], torch.arange(48, 64, dtype=torch.float32).reshape(4, 4))

def test_workers_started_by_spawn_reopen_the_memory_map(tmp_path):
    ds = dk.Dataset.from_file(_table_file(str(tmp_path / "t.arrow"), 200)).with_format("torch")
    loader = DataLoader(ds, batch_size=50, num_workers=2, multiprocessing_context="spawn")
    assert _rows(loader) == list(range(200))

def test_a_large_memory_mapped_dataset_pickles_in_a_few_kb(tmp_path):
    path, blob = str(tmp_path / "big.arrow"), pa.array([b"\x01" * (1 << 20)] * 16, pa.binary())
    schema = pa.schema({"blob": pa.binary()})
    with pa.OSFile(path, "wb") as f, pa.ipc.new_stream(f, schema) as w:
        for _ in range(20): w.write_batch(pa.record_batch([blob], schema=schema))  # 320 MiB
    ds = dk.Dataset.from_file(path).with_format("torch")
    assert os.path.getsize(path) > 300 << 20
    data = pickle.dumps(ds)
    assert len(data) < 8192, len(data)
    assert len(pickle.loads(data)) == 320

def test_training_loop_written_for_datasets_runs_with_the_same_tensors():
    def train(lib):
        rows = {"x": np.random.default_rng(0).normal(size=(256, 3)).tolist(), "y": [k % 2 for k in range(256)]}
        ds = lib.Dataset.from_dict(rows).with_format("torch")
        torch.manual_seed(0)
        model, losses = torch.nn.Linear(3, 2), []
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        batches = list(DataLoader(ds, batch_size=32, num_workers=2))
        for b in batches:
            loss = torch.nn.functional.cross_entropy(model(b["x"]), b["y"])
            opt.zero_grad(); loss.backward(); opt.step(); losses.append(loss.item())
        return batches, losses
    (kb, kl), (hb, hl) = train(dk), train(hf)
    assert all(torch.equal(a[k], b[k]) and a[k].dtype == b[k].dtype for a, b in zip(kb, hb) for k in a)
    assert kl == hl

def _stream(n_shards=4, per_shard=25):
    return dk.IterableDataset.from_generator(lambda shards: ({"i": s * per_shard + k} for s in shards for k in range(per_shard)),
                                            gen_kwargs={"shards": list(range(n_shards))})

def test_stream_is_a_torch_iterable_dataset_divided_among_workers():
    ds = _stream()
    assert isinstance(ds, torch.utils.data.IterableDataset)
    got = _rows(DataLoader(ds.with_format("torch"), batch_size=10, num_workers=2))
    assert sorted(got) == list(range(100))

def test_fewer_shards_than_workers_warns_and_still_gives_each_example_once():
    code = textwrap.dedent("""
        import dataset_kit as dk, torch
        ds = dk.IterableDataset.from_generator(lambda: ({"i": k} for k in range(25))).with_format("torch")
        print(sorted(int(v) for b in torch.utils.data.DataLoader(ds, batch_size=10, num_workers=2) for v in b["i"]))
    """)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert out.stdout.strip() == str(list(range(25)))
    assert "Too many DataLoader workers: num_workers=2 but the dataset has 1 shard(s); 1 worker(s) will stay idle" in out.stderr

def test_set_epoch_reshuffles_with_a_seed_every_worker_agrees_on():
    ds = _stream().shuffle(buffer_size=10)  # no seed given: one is drawn once, shared by workers and nodes
    loader = DataLoader(ds, batch_size=10, num_workers=2)
    e0 = _rows(loader); ds.set_epoch(1); e1 = _rows(loader)
    assert sorted(e0) == sorted(e1) == list(range(100)) and e0 != e1
    parts = [split_dataset_by_node(ds, r, 3) for r in range(3)]  # 4 shards, 3 nodes: every third example
    assert sorted(i for p in parts for i in _rows(DataLoader(p, batch_size=5, num_workers=2))) == list(range(100))

@pytest.mark.parametrize("n_shards", [4, 3])
def test_split_dataset_by_node_with_workers_covers_every_row_once(n_shards):
    ranks = [split_dataset_by_node(_stream(n_shards), r, 2) for r in range(2)]
    got = [i for d in ranks for i in _rows(DataLoader(d, batch_size=7, num_workers=2))]
    assert sorted(got) == list(range(25 * n_shards))
    ds = dk.Dataset.from_dict({"i": list(range(101))}).with_format("torch")
    got = [i for r in range(2) for i in _rows(DataLoader(split_dataset_by_node(ds, r, 2), batch_size=8, shuffle=True, num_workers=2))]
    assert sorted(got) == list(range(101))

PIPELINE = """
import dataset_kit as dk
from dataset_kit import interleave_datasets
def stream(off, n):
    return dk.IterableDataset.from_generator(lambda shards: ({"i": off + s * 10 + k} for s in shards for k in range(10)),
                                            gen_kwargs={"shards": list(range(n))})
a = stream(0, 3).shuffle(seed=7, buffer_size=8).map(lambda ex: {"j": ex["i"] * 2})
b = stream(1000, 2).filter(lambda ex: ex["i"] % 3 != 0).map(lambda ex: {"j": -ex["i"]})
ds = interleave_datasets([a, b], probabilities=[0.6, 0.4], seed=3, stopping_strategy="all_exhausted_without_replacement")
"""

def test_state_dict_resumes_in_a_new_process_with_exactly_the_unseen_examples(tmp_path):
    state, full = tmp_path / "state.json", tmp_path / "full.json"
    first = textwrap.dedent(PIPELINE) + textwrap.dedent(f"""
        import json
        json.dump([ex["j"] for ex in ds], open({str(full)!r}, "w"))
        it, head = iter(ds), []
        for _ in range(17): head.append(next(it)["j"])
        json.dump({{"head": head, "state": ds.state_dict()}}, open({str(state)!r}, "w"))
    """)
    second = textwrap.dedent(PIPELINE) + textwrap.dedent(f"""
        import json
        saved = json.load(open({str(state)!r}))
        ds.load_state_dict(saved["state"])
        print(json.dumps(saved["head"] + [ex["j"] for ex in ds]))
    """)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    subprocess.run([sys.executable, "-c", first], check=True, env=env)
    out = subprocess.run([sys.executable, "-c", second], check=True, env=env, capture_output=True, text=True).stdout
    assert json.loads(out) == json.load(open(full)) and len(json.load(open(full))) > 17

def test_resume_through_torchdata_stateful_dataloader():
    from torchdata.stateful_dataloader import StatefulDataLoader
    make = lambda: _stream().shuffle(seed=1, buffer_size=10).map(lambda ex: {"i": ex["i"]}).with_format("torch")
    full = [b["i"].tolist() for b in StatefulDataLoader(make(), batch_size=5, num_workers=2)]
    dl = StatefulDataLoader(make(), batch_size=5, num_workers=2)
    it = iter(dl); head = [next(it)["i"].tolist() for _ in range(7)]
    state = dl.state_dict()
    dl2 = StatefulDataLoader(make(), batch_size=5, num_workers=2); dl2.load_state_dict(state)
    assert head + [b["i"].tolist() for b in dl2] == full

def test_a_stream_of_lambdas_reaches_spawned_workers():
    "Spawned DataLoader workers (macOS' and Windows' default) get the stream by pickle: lambdas and closures included."
    stream = dk.IterableDataset.from_dict({"i": list(range(40))}, num_shards=4)
    offset = 1000
    stream = stream.map(lambda ex: {"j": ex["i"] + offset}).filter(lambda ex: ex["i"] % 3 != 0).with_format("torch")
    loader = DataLoader(stream, batch_size=None, num_workers=2, multiprocessing_context="spawn")
    assert sorted(int(ex["j"]) for ex in loader) == [i + offset for i in range(40) if i % 3]
