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
from local_gateway.template import Route, load_template

SAMPLE_TIME = datetime(2025, 10, 1, 14, 0, tzinfo=UTC)
SAMPLE_KEY = "sample-admin-key-replace-me-0123456789abcdef"
CUSTOMER = "cus_0123456789abcdef0123456789abcdef"
INVOICE = "inv_0123456789abcdef0123"
PLAN = "plan_0123456789abcdef0123456789abcdef"

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
    "list_invoices": {"query": {"status": "draft", "period": "2025-09", "limit": "50"}},
    "get_invoice": {"path": {"invoice_id": INVOICE}},
    "create_plan": {
        "body": {
            "name": "Growth",
            "currency": "USD",
            "minimum_amount": "25.00",
            "grace_period_days": 3,
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
    "finalize_invoice": {"path": {"invoice_id": INVOICE}},
    "void_invoice": {"path": {"invoice_id": INVOICE}},
}

SCHEDULED = {"monthly_billing": {"unit_price": "0.01", "now": "2025-10-01T14:00:00Z"}}


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
        headers={"authorization": f"Bearer {SAMPLE_KEY}", "user-agent": "curl/8.5.0"},
        authorizer_context=None if route.authorizer is None else {"key_id": "admin", "scopes": "*"},
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
    return samples | SCHEDULED


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
