"""A real S3 API for tests: moto's `ThreadedMotoServer` on 127.0.0.1, spoken to by s3fs.

Credentials and the endpoint travel only through `storage_options` (as a user's would); the environment is
pointed away from `~/.aws` so neither boto nor s3fs reads the machine's AWS configuration.

    server = S3Server().start()
    server.storage_options      # {"key": ..., "secret": ..., "endpoint_url": "http://127.0.0.1:PORT", ...}
    server.make_bucket("b")     # a fresh bucket
    server.fs()                 # an s3fs filesystem without listings cache (sees other processes' writes)
    server.stop()
"""
import logging, os, socket, uuid

# no ~/.aws, no instance metadata lookups: only what storage_options says (set before boto is imported anywhere)
_ENV = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1"}


def isolate_aws_env():
    "Point boto away from the user's AWS files and drop AWS credentials from the environment (also for subprocesses)."
    for k in [k for k in os.environ if k.startswith("AWS_")]: del os.environ[k]
    os.environ.update(_ENV)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    "moto's S3 server on a free loopback port."
    def __init__(self):
        self.port, self._server = _free_port(), None

    def start(self):
        isolate_aws_env()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)   # one log line per request otherwise
        from moto.server import ThreadedMotoServer
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self):
        if self._server is not None: self._server.stop()

    @property
    def endpoint_url(self): return f"http://127.0.0.1:{self.port}"

    @property
    def storage_options(self):
        return {"key": "testing", "secret": "testing", "endpoint_url": self.endpoint_url}

    def fs(self):
        "A fresh s3fs filesystem (no listings cache, no instance cache): what another machine would see."
        import s3fs
        return s3fs.S3FileSystem(**self.storage_options, use_listings_cache=False, skip_instance_cache=True)

    def make_bucket(self, prefix="bucket"):
        "Create and return the name of a new, empty bucket."
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.fs().mkdir(name)
        return name
