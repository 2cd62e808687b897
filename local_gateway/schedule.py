"""Fire a template schedule (ScheduleV2) locally, as EventBridge Scheduler would, with a given clock:

    python -m local_gateway.schedule --action bill --now 2025-10-01T14:00:00Z   (make schedule ACTION=bill NOW=...)

The schedule is the one whose Input carries that action ("bill" when it names none); its Input is sent as the
event, with "now" set. The function runs in this process with the local gateway's runtime, against the same
storage as `make run`: the SQLite file at $BILLING_DB_PATH, or - with STORAGE_BACKEND=dynamodb - the moto
server of the running gateway (read from the local-aws.json it writes), so the billing run's shards land on
its queue and its poller bills them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
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
    if os.environ.get("STORAGE_BACKEND") == "dynamodb" and not os.environ.get("TABLE_NAME"):
        path = state_file(os.environ, DEFAULT_DB_PATH)
        if not path.is_file():
            print(f"{path} is missing: start the gateway first (STORAGE_BACKEND=dynamodb make run)", file=sys.stderr)
            return 2
        os.environ.update(LocalAws.load(path).environment)

    function = _TemplateReader(Path(args.template).resolve(), load_yaml(args.template)).function(function_id)
    print(f"{function_id} <- {name} {json.dumps(event)}", file=sys.stderr)
    reply = FunctionRuntime({function_id: function}).invoke(function_id, event)
    print(json.dumps(reply, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
