"""The OpenAPI document describes exactly template.yaml's routes, from the handlers' own declarations, and the
docs page shows it with no asset from elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

from local_gateway.events import http_event
from local_gateway.template import load_template
from tests.conftest import LambdaContext
from tests.handlers.conftest import handler
from tools.openapi import document as routes_document
from tools.openapi import to_json

ROOT = Path(__file__).resolve().parents[2]
ROUTES = load_template(ROOT / "template.yaml").routes
# Powertools' Swagger UI page is the one route it leaves out of the document it shows.
UNDOCUMENTED = {"GET /v1/docs"}


def fetch(function: str, path: str) -> dict:
    event = http_event("GET", path, route_key=f"GET {path}")
    return handler(function)(event, LambdaContext())


def document() -> dict:
    reply = fetch("openapi", "/v1/openapi.json")
    assert reply["statusCode"] == 200
    return json.loads(reply["body"])


def operations(spec: dict) -> dict[str, dict]:
    return {f"{method.upper()} {path}": op for path, item in spec["paths"].items() for method, op in item.items()}


def test_the_shipped_document_is_what_the_routes_declare():
    # GET /v1/openapi.json serves functions/openapi/openapi.json, written at build time (`make openapi`);
    # the tests below read the served one, so they hold for what the routes declare.
    shipped = (ROOT / "functions" / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert shipped == to_json(routes_document(ROOT / "functions")), "run `make openapi`"
    assert document() == json.loads(shipped)


def test_the_document_is_openapi_3_1_with_bearer_security():
    spec = document()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key: `Authorization: Bearer <key>`",
    }


def test_the_documents_operations_are_exactly_the_templates_routes():
    documented = set(operations(document()))
    assert documented == {route.route_key for route in ROUTES} - UNDOCUMENTED


def test_exactly_the_public_routes_are_documented_without_a_key():
    public = {key for key, op in operations(document()).items() if op["security"] == [{}]}
    assert public == {route.route_key for route in ROUTES if route.authorizer is None} - UNDOCUMENTED
    secured = {key for key, op in operations(document()).items() if op["security"] == [{"bearerAuth": []}]}
    assert secured == {route.route_key for route in ROUTES if route.authorizer is not None}


# The drop-in routes refuse in their vendor's envelope (media type, model), and Lago's event errors are 422s.
DROP_IN_REFUSALS = {
    "POST /api/v1/events": ("application/problem+json", "OpenMeterProblem"),
    "POST /lago/api/v1/events": ("application/json", "LagoError"),
    "POST /lago/api/v1/events/batch": ("application/json", "LagoError"),
    "POST /v1/billing/meter_events": ("application/json", "StripeError"),
    "POST /v2/billing/meter_events": ("application/json", "StripeError"),
}
LAGO = {"POST /lago/api/v1/events", "POST /lago/api/v1/events/batch"}
# Routes with two successes: reissuing answers 201 when it makes the replacement, 200 when it existed.
TWO_SUCCESSES = {"POST /v1/invoices/{invoice_id}/reissue": ["200", "201"]}


def ref(model: str) -> dict:
    return {"$ref": f"#/components/schemas/{model}"}


def test_every_operation_describes_its_success_and_its_error_body():
    spec = document()
    for key, op in operations(spec).items():
        success = sorted(code for code in op["responses"] if code.startswith("2"))
        assert success == TWO_SUCCESSES.get(key, success[:1]), key
        if key == "POST /api/v1/events":  # OpenMeter answers 204 without a body (its client accepts nothing else)
            assert success == ["204"] and op["responses"]["204"]["content"] == {}
        else:
            for code in success:
                assert op["responses"][code]["content"]["application/json"]["schema"], key
        media_type, model = DROP_IN_REFUSALS.get(key, ("application/json", "ErrorOut"))
        assert op["responses"]["400"]["content"] == {media_type: {"schema": ref(model)}}, key
        assert ("422" in op["responses"]) == (key in LAGO), key  # validation errors are 400s, but Lago's are 422s
        if op["security"] != [{}]:  # the access policy's refusal, or the gateway's
            forbidden = op["responses"]["403"]["content"]
            if media_type == "application/json":
                assert forbidden == {media_type: {"schema": {"anyOf": [ref(model), ref("GatewayMessage")]}}}, key
            else:
                assert forbidden == {
                    media_type: {"schema": ref(model)},
                    "application/json": {"schema": ref("GatewayMessage")},
                }
    assert operations(spec)["POST /v1/customers"]["responses"].keys() >= {"201", "400", "401", "403", "409", "413"}
    assert set(spec["components"]["schemas"]["ErrorOut"]["properties"]) == {"error"}


def test_bodies_read_by_hand_are_described_by_their_routes():
    ops = operations(document())
    cloudevents = ops["POST /api/v1/events"]["requestBody"]["content"]
    assert set(cloudevents) == {
        "application/cloudevents+json",
        "application/cloudevents-batch+json",
        "application/json",
    }
    assert cloudevents["application/cloudevents+json"]["schema"]["required"] == [
        "id",
        "source",
        "specversion",
        "type",
        "subject",
    ]
    batch = cloudevents["application/cloudevents-batch+json"]["schema"]
    assert (batch["type"], batch["minItems"], batch["maxItems"]) == ("array", 1, 1000)
    form = ops["POST /v1/billing/meter_events"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert form["encoding"] == {"payload": {"style": "deepObject", "explode": True}}  # payload[value]=3
    assert form["schema"]["properties"]["payload"]["required"] == ["stripe_customer_id"]
    assert "$ref" not in json.dumps(cloudevents) + json.dumps(form)  # inlined: nothing dangles


def test_request_bounds_are_in_the_document():
    schemas = document()["components"]["schemas"]
    quantity = schemas["EventIn"]["properties"]["quantity"]["anyOf"][0]
    assert (quantity["minimum"], quantity["exclusiveMaximum"]) == (0, 10**15)
    assert schemas["EventBatchRequest"]["properties"]["events"]["maxItems"] == 1000


def test_the_docs_page_is_swagger_ui_with_the_document_inlined_and_no_remote_asset():
    reply = fetch("docs", "/v1/docs")
    assert reply["statusCode"] == 200 and reply["headers"]["Content-Type"] == "text/html"
    page = reply["body"]
    assert "SwaggerUIBundle" in page and '"/v1/openapi.json"' in page.replace("\\/", "/")
    assert "<script src=" not in page and '<link rel="stylesheet" href=' not in page
    policy = reply["headers"]["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert reply["headers"]["X-Frame-Options"] == "DENY"
