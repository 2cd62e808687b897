"""`python -m local_gateway`: serve a SAM template's HTTP API locally, no Docker.

    python -m local_gateway [--template template.yaml] [--static frontend/dist]

Listens on $HOST:$PORT (default 127.0.0.1:3000). The project's authorizer checks
$BILLING_ADMIN_API_KEY; when it is unset, a key is generated once, kept next to
the SQLite database (parent folder of $BILLING_DB_PATH, default .data/), and
reused by later runs.

With STORAGE_BACKEND=dynamodb (and no TABLE_NAME) it also runs moto's server on
loopback with the template's table and queues, and polls the queues for their
functions (local_gateway.aws_emulator).
"""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import signal
import sys
import threading
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from local_gateway.aws_emulator import start_for_gateway, wants_emulator
from local_gateway.log_stream import guard_standard_streams
from local_gateway.server import LocalGateway
from local_gateway.template import GatewayTemplate, TemplateError

ADMIN_KEY_ENV = "BILLING_ADMIN_API_KEY"
DB_PATH_ENV = "BILLING_DB_PATH"
DEFAULT_DB_PATH = ".data/billing.db"
ADMIN_KEY_FILE_NAME = "admin-api-key"


@dataclass(frozen=True)
class AdminKey:
    value: str
    source: Literal["environment", "file", "generated"]
    path: Path | None = None

    def announcement(self) -> str:
        """What to print: the key itself only the one time it is generated."""
        if self.source == "generated":
            return f"Admin API key (saved in {self.path}): {self.value}"
        if self.source == "file":
            return f"Admin API key: saved in {self.path}"
        return f"Admin API key: from ${ADMIN_KEY_ENV}"


def admin_key_path(environ: MutableMapping[str, str]) -> Path:
    return Path(environ.get(DB_PATH_ENV) or DEFAULT_DB_PATH).parent / ADMIN_KEY_FILE_NAME


def ensure_admin_api_key(environ: MutableMapping[str, str]) -> AdminKey:
    """Make sure `environ` has an admin API key: its own, the saved one, or a new saved one."""
    if environ.get(ADMIN_KEY_ENV):
        return AdminKey(environ[ADMIN_KEY_ENV], "environment")
    path = admin_key_path(environ)
    saved = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    admin_key = AdminKey(saved, "file", path) if saved else AdminKey(secrets.token_urlsafe(32), "generated", path)
    if admin_key.source == "generated":
        write_private_file(path, admin_key.value + "\n")
    environ[ADMIN_KEY_ENV] = admin_key.value
    return admin_key


def write_private_file(path: Path, text: str) -> None:
    """Write a secret readable by its owner only (0600), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # O_CREAT's mode does not apply to a file that already existed
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)


def route_table(template: GatewayTemplate) -> list[str]:
    lines = []
    for route in template.routes:
        auth = route.authorizer or "public"
        lines.append(f"  {route.route_key:<44} -> {route.function_id} ({auth})")
    return lines


def listen_failure(error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return "the port is already in use (another `make run`?); choose another with PORT=..."
    return error.strerror or str(error)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local_gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="template.yaml", help="SAM template (default: template.yaml)")
    parser.add_argument("--static", default=None, help="folder served for GET requests no route takes")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    guard_standard_streams()  # logs on a full disk lose lines, not answers
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "3000"))
    try:
        gateway = LocalGateway(args.template, static_dir=args.static, host=host, port=port)
    except (TemplateError, OSError) as error:
        print(f"Cannot load {args.template}: {error}", file=sys.stderr)
        return 2
    os.environ.setdefault(DB_PATH_ENV, DEFAULT_DB_PATH)  # the handlers' SQLite file
    print(ensure_admin_api_key(os.environ).announcement(), flush=True)
    # STORAGE_BACKEND=dynamodb (without a TABLE_NAME of a real table): moto's server plays DynamoDB and SQS.
    emulator = start_for_gateway(args.template, os.environ, DEFAULT_DB_PATH) if wants_emulator() else None
    if emulator is None:
        print(f"SQLite database: {os.environ[DB_PATH_ENV]}", flush=True)
    stop = _stop_on_signals()  # before serving: a client may be answered, and press Ctrl-C, at once
    try:
        gateway.start()
    except OSError as error:
        print(f"Cannot listen on {host}:{port}: {listen_failure(error)}", file=sys.stderr)
        if emulator is not None:
            emulator.stop()
        return 1
    print(f"Local gateway on {gateway.url} ({len(gateway.template.routes)} routes from {args.template})")
    print("\n".join(route_table(gateway.template)), flush=True)
    stop.wait()
    gateway.stop()
    if emulator is not None:
        emulator.stop()
    print("Stopped.", flush=True)
    return 0


def _stop_on_signals() -> threading.Event:
    """An event that Ctrl-C (SIGINT) or SIGTERM sets, from now on, instead of raising in whatever the main thread
    is doing (printing the route table, say): the gateway then stops cleanly whenever the signal comes."""
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda _signal, _frame: stop.set())
    return stop


if __name__ == "__main__":
    sys.exit(main())
