"""Write one sample event per function of template.yaml into events/ (`make events`).

HTTP routes get real payload-2.0 events from the project's one event builder (local_gateway.events),
so `sam local invoke <Function> -e events/<folder>.json` and our handler tests see what API Gateway
sends. Run from the repo root: `python -m events.generate`.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_gateway.events import authorizer_event, http_event
from local_gateway.sqs import sample_sqs_event
from local_gateway.template import Route, load_template

SAMPLE_TIME = datetime(2025, 10, 1, 14, 0, tzinfo=UTC)
SAMPLE_KEY = "sample-admin-key-replace-me-0123456789abcdef"
CUSTOMER = "cus_0123456789abcdef0123456789abcdef"
INVOICE = "inv_0123456789abcdef0123"
PLAN = "plan_0123456789abcdef0123456789abcdef"
RUN = "run_0123456789abcdef0123456789abcdef"
SHARD = json.dumps(
    {"run_id": RUN, "period": "2025-09", "unit_price": "0.01", "customer_ids": [CUSTOMER]}, separators=(",", ":")
)
API_KEY = "key_0123456789abcdef0123456789abcdef"
EXTERNAL_ID = "acme-1"  # the customer's id in the client's own system (drop-in routes name customers by it)
STRIPE_CUSTOMER = "cus_NciAYcXfLnqBoz"  # a Stripe client's customer id, our external id
EXTERNAL_IDS = (EXTERNAL_ID, STRIPE_CUSTOMER)
# What the authorizer hands to handlers for the admin key (billing.auth.ADMIN.as_context()).
ADMIN_CONTEXT = {"key_id": "admin", "role": "admin", "customer_id": ""}

# Per function folder: path parameters, query and body of its sample request.
SAMPLES: dict[str, dict[str, Any]] = {
    "health": {},
    "openapi": {},
    "docs": {},
    "create_customer": {"body": {"name": "Acme Corp", "email": "billing@acme.example", "timezone": "UTC"}},
    "list_customers": {"query": {"limit": "50"}},
    "get_customer": {"path": {"customer_id": CUSTOMER}},
    "ingest_events": {
        "body": {
            "customer_id": CUSTOMER,
            "events": [
                {"id": "evt-0001", "feature": "api_calls", "quantity": 10, "ts": "2025-09-03T10:00:00Z"},
                {"id": "evt-0002", "feature": "storage", "quantity": "1", "ts": "2025-09-03T10:05:00Z"},
            ],
        }
    },
    "get_usage": {
        "path": {"customer_id": CUSTOMER},
        "query": {"start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z", "window": "day"},
    },
    "run_invoices": {"query": {"period": "2025-09", "unit_price": "0.01"}},
    "list_customer_invoices": {"path": {"customer_id": CUSTOMER}},
    "list_invoices": {"query": {"status": "draft", "period": "2025-09", "customer_id": CUSTOMER, "limit": "50"}},
    "get_invoice": {"path": {"invoice_id": INVOICE}},
    "create_plan": {
        "body": {
            "name": "Growth",
            "currency": "USD",
            "minimum_amount": "25.00",
            "grace_period_days": 3,
            "net_days": 30,
            "prices": [
                {
                    "feature": "api_calls",
                    "model": "graduated",
                    "tiers": [{"up_to": "1000", "unit_amount": "0"}, {"up_to": None, "unit_amount": "0.002"}],
                }
            ],
        }
    },
    "list_plans": {},
    "get_plan": {"path": {"plan_id": PLAN}},
    "assign_customer_plan": {"path": {"customer_id": CUSTOMER}, "body": {"plan_id": PLAN}},
    "grant_credits": {"path": {"customer_id": CUSTOMER}, "body": {"amount": "10.00", "description": "Welcome credit"}},
    "get_credits": {"path": {"customer_id": CUSTOMER}},
    "get_upcoming_invoice": {"path": {"customer_id": CUSTOMER}},
    "estimate_invoice": {"path": {"customer_id": CUSTOMER}, "body": {"period": "2025-09", "plan_id": PLAN}},
    "ingest_customer_events": {
        "body": {
            "events": [
                {
                    "id": "req-0001",
                    "external_customer_id": EXTERNAL_ID,
                    "type": "api_request",
                    "ts": "2025-09-03T10:00:00Z",
                    "properties": {"region": "eu", "usage": {"tokens": 1200}},
                },
                {
                    "id": "evt-0003",
                    "customer_id": CUSTOMER,
                    "feature": "storage",
                    "quantity": "2",
                    "ts": "2025-09-03T10:05:00Z",
                },
            ]
        }
    },
    "create_meter": {
        "body": {"feature": "api_calls_eu", "event_type": "api_request", "filters": {"region": ["eu", "eu-west"]}}
    },
    "list_meters": {"query": {"limit": "50"}},
    "get_meter": {"path": {"feature": "api_calls_eu"}},
    "openmeter_ingest_events": {
        "headers": {"content-type": "application/cloudevents+json"},
        "body": json.dumps(
            {
                "specversion": "1.0",
                "id": "5c10fade-1c9e-4d6c-8275-c52c36731d3c",
                "source": "my-app",
                "type": "prompt",
                "subject": EXTERNAL_ID,
                "time": "2025-09-03T10:00:00Z",
                "data": {"tokens": 100, "model": "gpt-4o"},
            }
        ),
    },
    "lago_create_event": {
        "body": {
            "event": {
                "transaction_id": "tx-0001",
                "external_subscription_id": EXTERNAL_ID,
                "code": "api_request",
                "timestamp": 1756893600,
                "properties": {"region": "eu"},
            }
        }
    },
    "lago_create_batch_events": {
        "body": {
            "events": [
                {
                    "transaction_id": "tx-0002",
                    "external_subscription_id": EXTERNAL_ID,
                    "code": "api_request",
                    "timestamp": "1756893600.5",
                    "properties": {"region": "us"},
                }
            ]
        }
    },
    "stripe_meter_event_v1": {
        "headers": {"content-type": "application/x-www-form-urlencoded"},
        "body": f"event_name=api_request&payload%5Bstripe_customer_id%5D={STRIPE_CUSTOMER}"
        "&payload%5Bvalue%5D=25&identifier=idmp-0001&timestamp=1756893600",
    },
    "stripe_meter_event_v2": {
        "body": {
            "event_name": "api_request",
            "identifier": "idmp-0002",
            "timestamp": "2025-09-03T10:00:00.000Z",
            "payload": {"stripe_customer_id": STRIPE_CUSTOMER, "value": "25"},
        }
    },
    "finalize_invoice": {"path": {"invoice_id": INVOICE}},
    "void_invoice": {"path": {"invoice_id": INVOICE}},
    "reissue_invoice": {"path": {"invoice_id": INVOICE}},
    "get_billing_run": {"path": {"run_id": RUN}, "query": {"limit": "50"}},
    "create_api_key": {"body": {"customer_id": CUSTOMER, "name": "Acme production"}},
    "list_api_keys": {"query": {"limit": "50"}},
    "revoke_api_key": {"path": {"key_id": API_KEY}},
    "whoami": {},
}

SCHEDULED = {"monthly_billing": {"unit_price": "0.01", "now": "2025-10-01T14:00:00Z"}}
# SQS event sources: a shard of a billing run, fresh from the queue and after its last delivery.
QUEUED = {
    "bill_customers": sample_sqs_event(SHARD, "billing-BillingQueue"),
    "settle_dead_shards": sample_sqs_event(SHARD, "billing-BillingDeadLetterQueue", receive_count=6),
}


def _concrete_path(route: Route, path_parameters: dict[str, str]) -> str:
    path = route.path
    for name, value in path_parameters.items():
        path = path.replace("{" + name + "}", value)
    return path


def function_folder(code_dir: Path | str, handler: str) -> str:
    """The functions/<name> folder a handler lives in: `app.lambda_handler` in functions/<name>/, or
    `<name>.app.lambda_handler` in functions/ (the OpenAPI and docs functions, which read every route)."""
    module = handler.rpartition(".")[0]
    return (Path(code_dir) / Path(*module.split("."))).parent.name


def route_sample(route: Route, folder: str) -> dict[str, Any]:
    sample = SAMPLES[folder]
    path_parameters = sample.get("path", {})
    return http_event(
        route.method,
        _concrete_path(route, path_parameters),
        route_key=route.route_key,
        body=sample.get("body"),
        query=sample.get("query"),
        path_parameters=path_parameters or None,
        headers={"authorization": f"Bearer {SAMPLE_KEY}", "user-agent": "curl/8.5.0", **sample.get("headers", {})},
        authorizer_context=None if route.authorizer is None else ADMIN_CONTEXT,
        now=SAMPLE_TIME,
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    )


def all_samples(template_path: Path) -> dict[str, dict[str, Any]]:
    """Sample event per function folder name."""
    template = load_template(template_path)
    samples: dict[str, dict[str, Any]] = {}
    for route in template.routes:
        folder = function_folder(route.code_dir, route.handler)
        samples[folder] = route_sample(route, folder)
        authorizer = template.authorizer_for(route)
        if authorizer is not None and function_folder(authorizer.code_dir, authorizer.handler) not in samples:
            samples[function_folder(authorizer.code_dir, authorizer.handler)] = authorizer_event(
                route.method,
                route.path,
                route_key=route.route_key,
                headers={"authorization": f"Bearer {SAMPLE_KEY}"},
                identity_headers=authorizer.identity_headers,
                now=SAMPLE_TIME,
                request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            )
    return samples | SCHEDULED | QUEUED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--template", default="template.yaml", type=Path)
    parser.add_argument("--out", default=Path(__file__).parent, type=Path)
    args = parser.parse_args()
    for folder, event in sorted(all_samples(args.template).items()):
        (args.out / f"{folder}.json").write_text(json.dumps(event, indent=2) + "\n")
        print(f"wrote {args.out / folder}.json")


if __name__ == "__main__":
    main()
