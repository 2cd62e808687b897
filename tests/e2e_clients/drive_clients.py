"""Runs inside .venv-clients (never imported by our tests): drives a vendor's own published client, unchanged,
against our gateway. Reads steps as JSON on stdin, prints each step's outcome as JSON on stdout.

    python drive_clients.py openmeter|lago|stripe BASE_URL API_KEY < steps.json
"""

from __future__ import annotations

import datetime
import json
import sys
from typing import Any


def openmeter(base: str, key: str, step: dict[str, Any]) -> dict[str, Any]:
    from corehttp.exceptions import HttpResponseError
    from openmeter import Client
    from openmeter.models import Event

    client = Client(endpoint=base, token=step.get("api_key", key))
    events = [
        Event(**{**event, "time": datetime.datetime.fromisoformat(event["time"])} if "time" in event else event)
        for event in step["events"]
    ]
    try:
        if step["call"] == "ingest_event":
            client.events.ingest_event(events[0])
        else:
            getattr(client.events, step["call"])(events)
    except HttpResponseError as error:
        model = error.model
        return {"error": type(error).__name__, "status": error.status_code, "detail": getattr(model, "detail", None)}
    return {"ok": True}


def lago(base: str, key: str, step: dict[str, Any]) -> dict[str, Any]:
    from lago_python_client.client import Client
    from lago_python_client.exceptions import LagoApiError
    from lago_python_client.models import BatchEvent, Event

    client = Client(api_key=step.get("api_key", key), api_url=f"{base}/lago/")
    events = [Event(**event) for event in step["events"]]
    try:
        if step["call"] == "create":
            created = client.events.create(events[0])
            return {"ok": True, "response": None if created is None else created.dict()}
        client.events.batch_create(BatchEvent(events=events))
    except LagoApiError as error:
        return {"error": type(error).__name__, "status": error.status_code, "response": error.response}
    return {"ok": True}


def stripe(base: str, key: str, step: dict[str, Any]) -> dict[str, Any]:
    import stripe as stripe_sdk

    api_key = step.get("api_key", key)
    client = stripe_sdk.StripeClient(api_key, base_addresses={"api": base}, max_network_retries=0)
    try:
        if step["call"] == "v1":
            created = client.v1.billing.meter_events.create(step["params"])
        elif step["call"] == "v2":
            created = client.v2.billing.meter_events.create(step["params"])
        else:  # the module-level style many integrations still use
            stripe_sdk.api_key, stripe_sdk.api_base, stripe_sdk.max_network_retries = api_key, base, 0
            created = stripe_sdk.billing.MeterEvent.create(**step["params"])
    except stripe_sdk.StripeError as error:
        return {
            "error": type(error).__name__,
            "status": error.http_status,
            "code": error.code,
            "param": getattr(error, "param", None),
            "message": error.user_message,
        }
    return {"ok": True, "response": json.loads(str(created))}


def main() -> None:
    vendor, base, key = sys.argv[1:4]
    drive = {"openmeter": openmeter, "lago": lago, "stripe": stripe}[vendor]
    print(json.dumps([drive(base, key, step) for step in json.load(sys.stdin)]))


if __name__ == "__main__":
    main()
