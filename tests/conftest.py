"Shared pytest fixtures. Keep this small: fixture machinery lives in its own modules (e.g. http_server.py)."
import pytest
from http_server import FaultyHTTPServer


@pytest.fixture
def http_server():
    "A real HTTP server on 127.0.0.1 with Range/ETag support and fault injection (see tests/http_server.py)."
    server = FaultyHTTPServer().start()
    yield server
    server.stop()
