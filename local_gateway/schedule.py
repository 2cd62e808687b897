"""Fire a template schedule (ScheduleV2) locally, as EventBridge Scheduler would, with a given clock:

    python -m local_gateway.schedule --action bill --now 2025-10-01T14:00:00Z   (make schedule ACTION=bill NOW=...)

The schedule is the one whose Input carries that action ("bill" when it names none); its Input is sent as the
event, with "now" set. The function runs in this process with the local gateway's runtime, against the same
storage as the running `make run`: the moto server of a gateway started with STORAGE_BACKEND=dynamodb (read
from the local-aws.json it writes while it runs), so the billing run's shards land on its queue and its poller
bills them, whether or not STORAGE_BACKEND is set here; otherwise the SQLite file at $BILLING_DB_PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import Any

from local_gateway.aws_emulator import LocalAws, state_file
from local_gateway.aws_resources import deployment
from local_gateway.runtime import FunctionRuntime
from local_gateway.template import _TemplateReader, load_yaml

DEFAULT_DB_PATH = ".data/billing.db"


def schedules(template: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(function id, schedule name, input) of every ScheduleV2 event, with the parameters' defaults."""
    found = []
    for function_id, properties in deployment(load_yaml(template)).functions.items():
        for name, event in (properties.get("Events") or {}).items():
            if event.get("Type") == "ScheduleV2":
                found.append((function_id, name, json.loads(event["Properties"].get("Input") or "{}")))
    return found


def point_at_the_running_stack(environ: MutableMapping[str, str]) -> str | None:
    """Point `environ` at the storage the running gateway uses; a message instead when that cannot be done.

    STORAGE_BACKEND unset follows the gateway: its emulator when `STORAGE_BACKEND=dynamodb make run` is serving
    (else the schedule would bill the SQLite file, silently). STORAGE_BACKEND=dynamodb needs that gateway;
    STORAGE_BACKEND=sqlite bills the SQLite file, as asked."""
    if environ.get("TABLE_NAME") or environ.get("AWS_ENDPOINT_URL"):
        return None  # a table of the caller's own
    backend = environ.get("STORAGE_BACKEND")
    path = state_file(environ, DEFAULT_DB_PATH)
    local = LocalAws.running(path) if backend in (None, "", "dynamodb") else None
    if local is not None:
        if not backend:
            print(
                f"STORAGE_BACKEND is unset: billing the running gateway's DynamoDB (pid {local.pid}, {path});"
                " STORAGE_BACKEND=sqlite bills the SQLite file instead",
                file=sys.stderr,
            )
        environ.update(local.environment)
        return None
    if backend == "dynamodb":
        return f"no running DynamoDB gateway is described in {path}: start it first (STORAGE_BACKEND=dynamodb make run)"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_gateway.schedule", description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--action", default="bill", help="the schedule's action (bill, finalize)")
    parser.add_argument("--now", default=None, help="the clock, ISO 8601 with a zone (default: now)")
    parser.add_argument("--unit-price", default=None, help="override the schedule's unit_price")
    args = parser.parse_args(argv)

    matching = [s for s in schedules(args.template) if s[2].get("action", "bill") == args.action]
    if not matching:
        print(f"no schedule with action {args.action!r} in {args.template}", file=sys.stderr)
        return 2
    function_id, name, event = matching[0]
    if args.now:
        event["now"] = args.now
    if args.unit_price is not None:
        event["unit_price"] = args.unit_price

    os.environ.setdefault("BILLING_DB_PATH", DEFAULT_DB_PATH)
    problem = point_at_the_running_stack(os.environ)
    if problem:
        print(problem, file=sys.stderr)
        return 2

    function = _TemplateReader(Path(args.template).resolve(), load_yaml(args.template)).function(function_id)
    print(f"{function_id} <- {name} {json.dumps(event)}", file=sys.stderr)
    reply = FunctionRuntime({function_id: function}).invoke(function_id, event)
    print(json.dumps(reply, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
