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
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c
