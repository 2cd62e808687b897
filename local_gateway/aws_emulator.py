"""The AWS side of the DynamoDB variant on one machine: moto's server on loopback, the template's tables and
queues created from their resource definitions, and an SQS poller per SQS event source invoking its
function in this process (`STORAGE_BACKEND=dynamodb make run`, the e2e suite).

Data lives in the server's memory: it is gone when the gateway stops.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
import uuid
from collections import deque
from collections.abc import MutableMapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from local_gateway.aws_resources import (
    AwsResources,
    CreatedResources,
    aws_resources,
    create_resources,
    local_environment,
)
from local_gateway.events import REGION
from local_gateway.runtime import FunctionRuntime
from local_gateway.sqs import SqsPoller
from local_gateway.template import FunctionSpec, _TemplateReader, load_yaml

# What boto3 needs to talk to the emulator; moto accepts any credentials.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
STATE_FILE_NAME = "local-aws.json"


class FifoLock:
    """A lock taken in the order it was asked for. threading.Lock is not fair: under 8 writers, one request
    could wait behind the others' for longer than the client's 5 s read timeout (one resent batch took 29 s,
    retried)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()

    def __enter__(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # the holder handed the lock over: still held, now by this thread

    def __exit__(self, *exc_info: object) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._held = False


class _OneDynamoDbRequestAtATime:
    """WSGI middleware: moto's DynamoDB keeps no locks (a transaction applies its actions one by one and puts
    them back if it is cancelled), so concurrent requests could see states DynamoDB never shows. Serialized,
    first come first served, each request is atomic, as on AWS. SQS requests are not serialized (a long poll
    would block everything)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = FifoLock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with self._lock:
                return list(self._app(environ, start_response))
        return self._app(environ, start_response)


class MotoServer:
    """moto's server on 127.0.0.1 (a free port unless given), on a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        from local_gateway import moto_speedups

        moto_speedups.install()

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """No access log: the gateway's own log says what happened."""

        app = _OneDynamoDbRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="moto-server")

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MotoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class LocalAws:
    """Where the emulated resources are: what `python -m local_gateway.schedule` reads back."""

    endpoint_url: str
    region: str
    environment: dict[str, str]  # STORAGE_BACKEND, TABLE_NAME, QUEUE_URL, AWS_* for the functions
    pid: int | None = None  # the gateway serving it

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LocalAws:
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def running(cls, path: Path) -> LocalAws | None:
        """The emulator described at `path` if its gateway is still running, else None (the file is left by a
        gateway that was killed, or missing)."""
        try:
            local = cls.load(path)
        except (OSError, ValueError, TypeError):
            return None
        return local if local.pid is not None and _is_local_gateway(local.pid) else None


def _is_local_gateway(pid: int) -> bool:
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"local_gateway" in command_line  # not a recycled pid: `python -m local_gateway ...`


class AwsEmulator:
    def __init__(self, template: Path | str, *, retry_after_seconds: int | None = 2, port: int = 0) -> None:
        self.template_path = Path(template).resolve()
        self.resources: AwsResources = aws_resources(self.template_path)
        self._server = MotoServer(port=port)
        self._retry_after = retry_after_seconds
        self.created: CreatedResources | None = None
        self.pollers: list[SqsPoller] = []
        self.local: LocalAws | None = None
        self.state_path: Path | None = None  # where start_for_gateway described it

    def start(self, environ: MutableMapping[str, str]) -> LocalAws:
        """Serve, create the tables and queues, and point `environ` (the functions' environment) at them."""
        import boto3

        self._server.start()
        aws_environment = {**DUMMY_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": self._server.url}
        environ.update(aws_environment)
        session = boto3.session.Session(region_name=REGION)
        dynamodb = session.client("dynamodb", endpoint_url=self._server.url)
        self._sqs = session.client("sqs", endpoint_url=self._server.url)
        self.created = create_resources(self.resources, dynamodb, self._sqs, prefix=f"local-{uuid.uuid4().hex[:6]}")
        environment = {**aws_environment, "STORAGE_BACKEND": "dynamodb"}
        environment |= local_environment(self.resources, self.created)
        environ.update(environment)
        self.local = LocalAws(self._server.url, REGION, environment)
        return self.local

    def start_pollers(self) -> list[SqsPoller]:
        """One poller per SQS event source, invoking its function in a runtime of its own."""
        assert self.created is not None, "start() first"
        reader = _TemplateReader(self.template_path, load_yaml(self.template_path))  # the gateway's own reading
        functions: dict[str, FunctionSpec] = {
            source.function_id: reader.function(source.function_id) for source in self.resources.event_sources
        }
        runtime = FunctionRuntime(functions)
        for source in self.resources.event_sources:
            poller = SqsPoller(
                self._sqs,
                source,
                self.created.queue_urls[source.queue_id],
                self.created.queue_arns[source.queue_id],
                runtime.invoke,
                retry_after_seconds=self._retry_after,
                on_error=_report,
            )
            poller.start()
            self.pollers.append(poller)
        return self.pollers

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        self._server.stop()
        if self.state_path is not None:  # its data is gone: nothing may bill it any more
            self.state_path.unlink(missing_ok=True)


def _report(error: BaseException) -> None:
    print("SQS event source: the function failed, its batch will be delivered again:", file=sys.stderr)
    traceback.print_exception(error, file=sys.stderr)


def state_file(environ: MutableMapping[str, str], default_db_path: str) -> Path:
    """Next to the SQLite database and the admin key: .data/local-aws.json by default."""
    return Path(environ.get("BILLING_DB_PATH") or default_db_path).parent / STATE_FILE_NAME


def wants_emulator(environ: MutableMapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return (
        environ.get("STORAGE_BACKEND") == "dynamodb"
        and not environ.get("AWS_ENDPOINT_URL")
        and not environ.get("TABLE_NAME")
    )


def start_for_gateway(template: Path | str, environ: MutableMapping[str, str], default_db_path: str) -> AwsEmulator:
    """`python -m local_gateway` with STORAGE_BACKEND=dynamodb: the emulator, its pollers, its state file."""
    emulator = AwsEmulator(template)
    local = replace(emulator.start(environ), pid=os.getpid())
    emulator.start_pollers()
    path = state_file(environ, default_db_path)
    other = LocalAws.running(path)
    if other is not None:  # another gateway serves from this data folder: `make schedule` keeps using that one
        print(f"{path} describes the gateway running as pid {other.pid}: left as it is", flush=True)
    else:
        local.save(path)
        emulator.state_path = path
    print(f"DynamoDB and SQS emulated by moto on {local.endpoint_url} (in memory; described in {path})", flush=True)
    for name, value in sorted(local.environment.items()):
        if not name.startswith("AWS_"):
            print(f"  {name}={value}", flush=True)
    for poller in emulator.pollers:
        print(f"  polling {poller.name}", flush=True)
    return emulator
