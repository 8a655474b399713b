"""A real HTTP server on 127.0.0.1 for tests: Range requests, ETags, and injectable faults.

Usage (see the `http_server` fixture in conftest.py):

    server.add("/a.zip", data)                    # serve bytes, with an ETag derived from them
    server.add("/a.zip", data, etag=False, headers={"Last-Modified": d})  # no ETag; extra headers on every answer
    server.fault("/a.zip", "status", code=500)    # the next GET of /a.zip answers 500
    server.fault("/a.zip", "drop", after=1000)    # the next GET sends 1000 bytes then closes the socket
                                                  # (replace_with=b"..." also swaps the file, new ETag)
    server.fault("/a.zip", "long_length")         # the next GET claims 100 more bytes than it sends
    server.fault("/a.zip", "short_length", by=10) # the next GET claims (and sends) 10 bytes fewer
    server.fault("/a.zip", "slow", delay=0.5)     # the next GET waits `delay` before each chunk
    server.throttle("/a.zip", delay=0.05, chunk=65536)  # every GET is slow (for kill-mid-download tests)
    server.fault_head("/a.zip", 403)              # the next HEAD answers 403
    server.url("/a.zip")

Faults are queued per path and consumed one per GET. `server.requests` logs (method, path, headers).
The server also accepts absolute-form request targets (`GET http://any.host/a.zip`), so it can stand in
for a proxy.
"""
import hashlib, threading, time, re, socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else keep-alive responses stall 40 ms (Nagle vs delayed ACK), unlike real servers

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _path(self):
        return urlsplit(self.path).path if "://" in self.path else self.path.split("?")[0]

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def _serve(self, head):
        srv = self.server.owner
        path = self._path()
        with srv.lock:
            srv.requests.append((self.command, path, dict(self.headers)))
            entry = srv.files.get(path)
            fault = srv.faults[path].pop(0) if (not head and srv.faults.get(path)) else None
            if head and srv.head_faults.get(path):
                fault = srv.head_faults[path].pop(0)
            throttle = srv.throttles.get(path)
            extra = dict(srv.headers.get(path, {}))
        if entry is None:
            return self._simple(404, b"not found")
        if fault and fault["kind"] == "status":
            return self._simple(fault.get("code", 500), b"injected failure")
        data, etag = entry
        start, status = 0, 200
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if rng and (if_range is None or if_range in (etag, extra.get("Last-Modified"))):
            m = re.match(r"bytes=(\d+)-(\d*)$", rng)
            if m:
                start = int(m.group(1))
                end = int(m.group(2)) + 1 if m.group(2) else len(data)
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 206
                body = data[start:min(end, len(data))]
        if status == 200:
            body = data
        length = len(body)
        if fault and fault["kind"] == "long_length":
            length += fault.get("by", 100)
        if fault and fault["kind"] == "short_length":
            length -= fault.get("by", 10)
            body = body[:length]
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if etag:
            self.send_header("ETag", etag)
        for k, v in extra.items():
            self.send_header(k, v)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{start + len(body) - 1}/{len(data)}")
        if fault and fault["kind"] in ("drop", "long_length"):
            self.send_header("Connection", "close")
        self.end_headers()
        if head:
            return
        if fault and fault["kind"] == "drop":
            self.wfile.write(body[: fault.get("after", len(body) // 2)])
            self.wfile.flush()
            if "replace_with" in fault:  # the file changes on the server while the client is cut off
                srv.add(path, fault["replace_with"])
            self._hard_close()
            return
        with srv.lock:
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
        try:
            chunk = (throttle or {}).get("chunk", 1 << 20)
            delay = (fault or {}).get("delay", 0) if (fault and fault["kind"] == "slow") else (throttle or {}).get("delay", 0)
            for i in range(0, len(body), chunk):
                if delay:
                    time.sleep(delay)
                self.wfile.write(body[i:i + chunk])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with srv.lock:
                srv.in_flight -= 1
        if fault and fault["kind"] == "long_length":
            self._hard_close()

    def _hard_close(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _simple(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class FaultyHTTPServer:
    "A threaded HTTP server on 127.0.0.1 serving in-memory files, with Range/ETag support and fault injection."

    def __init__(self):
        self.files, self.faults, self.head_faults, self.throttles, self.requests = {}, {}, {}, {}, []
        self.headers = {}
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, path, data: bytes, etag: str = None, headers: dict = None):
        "Serve `data` at `path` (replacing what was there), with `etag` (False: none) or one derived from the bytes."
        with self.lock:
            self.files[path] = (data, None if etag is False else etag or '"' + hashlib.sha256(data).hexdigest()[:16] + '"')
            self.headers[path] = headers or {}

    def fault(self, path, kind, **params):
        "Queue a fault for the next GET of `path`: status, drop, long_length, short_length or slow."
        with self.lock:
            self.faults.setdefault(path, []).append({"kind": kind, **params})

    def fault_head(self, path, code: int):
        "The next HEAD of `path` answers `code` (e.g. 403, as URLs signed for GET only do)."
        with self.lock:
            self.head_faults.setdefault(path, []).append({"kind": "status", "code": code})

    def throttle(self, path, delay: float, chunk: int = 65536):
        "Make every GET of `path` sleep `delay` seconds before each `chunk` bytes."
        with self.lock:
            self.throttles[path] = {"delay": delay, "chunk": chunk}

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self, method, path):
        return sum(1 for m, p, _ in self.requests if m == method and p == path)
