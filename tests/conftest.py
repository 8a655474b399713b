"Shared pytest fixtures. Keep this small: fixture machinery lives in its own modules (e.g. http_server.py)."
import pytest
from hypothesis import settings
from http_server import FaultyHTTPServer

# Property tests check values, not speed: no per-example deadline (the 2 cores are shared with other tests).
settings.register_profile("dataset_kit", deadline=None)
settings.load_profile("dataset_kit")


@pytest.fixture
def http_server():
    "A real HTTP server on 127.0.0.1 with Range/ETag support and fault injection (see tests/http_server.py)."
    server = FaultyHTTPServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dask_client():
    "A Dask client on a real LocalCluster: 2 worker processes, one thread each, loopback only."
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            yield c


@pytest.fixture(scope="session")
def s3_server():
    "A moto S3 server on 127.0.0.1 (one per test session; each test makes its own bucket with `s3_bucket`)."
    pytest.importorskip("s3fs"); pytest.importorskip("moto")
    from s3_server import S3Server
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server):
    "`(url, storage_options, fs)`: a fresh bucket's `s3://` URL, the options that reach it, and an s3fs to inspect it."
    return f"s3://{s3_server.make_bucket()}", s3_server.storage_options, s3_server.fs()
