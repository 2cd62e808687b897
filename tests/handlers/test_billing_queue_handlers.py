"""The billing queue's functions (worker, dead-letter settler) with real SQS events, and GET /v1/billing-runs/{id}."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.parser.models import SqsModel
from billing.domain.billing_runs import BillingRunRecord, BillingShard, OutcomeStatus, shard_message
from billing.domain.errors import StorageUnavailable
from billing.domain.invoices import invoice_id_for
from billing.domain.time import BillingPeriod
from billing.services import NewEvent

from local_gateway.sqs import sample_sqs_event, sqs_event
from tests.handlers.conftest import handler
from tools.events import QUEUED

PERIOD = "2025-09"
SEPTEMBER = datetime(2025, 9, 10, 12, tzinfo=UTC)


@pytest.mark.parametrize("function", sorted(QUEUED))
def test_queue_samples_are_real_sqs_events_that_powertools_parses(function):
    event = json.loads(json.dumps(QUEUED[function]))
    SqsModel.model_validate(event)
    record = next(SQSEvent(event).records)
    assert record.event_source == "aws:sqs" and record.attributes.approximate_receive_count
    assert json.loads(record.body)["customer_ids"]


def customer_with_usage(services, email: str, quantity: str = "10") -> str:
    customer = services.customers.create(name="Acme", email=email, timezone_name="UTC")
    services.ingest.ingest(customer.id, [NewEvent("api_calls", Decimal(quantity), SEPTEMBER, f"evt-{email}")])
    return customer.id


def started_run(services, customers: int, unit_price: Decimal | None = Decimal("0.01")) -> BillingRunRecord:
    run = services.runs.create(BillingPeriod.parse(PERIOD), unit_price=unit_price, now=SEPTEMBER)
    services.storage.billing_runs.advance(
        run.id, from_position=None, to_position=None, queued=customers, planned=True, at=SEPTEMBER
    )
    return run


def shard_event(*shards: BillingShard, receive_count: int = 1) -> dict:
    messages = []
    for index, shard in enumerate(shards):
        messages.append(
            {
                "MessageId": f"msg-{index}",
                "ReceiptHandle": f"handle-{index}",
                "Body": shard_message(shard),
                "Attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1759327200000"},
            }
        )
    return sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:billing-BillingQueue")


def test_the_worker_bills_each_customer_of_its_shard_and_a_bad_customer_fails_alone(injected_services, lambda_context):
    services = injected_services
    good = customer_with_usage(services, "good@acme.example")
    run = started_run(services, 2)
    shard = BillingShard(run.id, PERIOD, Decimal("0.01"), ("cus_does_not_exist", good))

    reply = handler("bill_customers")(shard_event(shard), lambda_context)

    assert reply == {"batchItemFailures": []}  # bad data is recorded, never retried
    assert services.invoices.get(invoice_id_for(good, PERIOD)).total == Decimal("0.10")
    record = services.storage.billing_runs.get(run.id)
    assert (record.customers_billed, record.customers_failed, record.is_done) == (1, 1, True)
    [failed] = services.storage.billing_runs.outcomes(run.id, status=OutcomeStatus.FAILED, limit=10).items
    assert failed.customer_id == "cus_does_not_exist" and "does not exist" in failed.reason


def test_storage_unavailable_fails_only_that_message_so_sqs_delivers_it_again(
    injected_services, lambda_context, monkeypatch
):
    services = injected_services
    first, second = customer_with_usage(services, "a@acme.example"), customer_with_usage(services, "b@acme.example")
    run = started_run(services, 2)
    real_get = services.storage.customers.get

    def flaky_get(customer_id):
        if customer_id == second:
            raise StorageUnavailable("throttled")
        return real_get(customer_id)

    monkeypatch.setattr(services.storage.customers, "get", flaky_get)
    shards = (
        BillingShard(run.id, PERIOD, Decimal("0.01"), (first,)),
        BillingShard(run.id, PERIOD, Decimal("0.01"), (second,)),
    )

    reply = handler("bill_customers")(shard_event(*shards), lambda_context)

    assert reply == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    record = services.storage.billing_runs.get(run.id)
    assert (record.customers_billed, record.customers_failed, record.is_done) == (1, 0, False)


def test_a_malformed_message_is_dropped_not_retried_forever(injected_services, lambda_context):
    event = sample_sqs_event('{"not": "a shard"}', "billing-BillingQueue")
    assert handler("bill_customers")(event, lambda_context) == {"batchItemFailures": []}


def test_the_dead_letter_settler_bills_what_it_can_and_records_the_rest_as_failed_with_the_reason(
    injected_services, lambda_context, monkeypatch
):
    services = injected_services
    billable, broken = customer_with_usage(services, "ok@acme.example"), customer_with_usage(services, "x@acme.example")
    run = started_run(services, 2)
    real_get = services.storage.customers.get
    monkeypatch.setattr(
        services.storage.customers,
        "get",
        lambda cid: (_ for _ in ()).throw(StorageUnavailable("disk gone")) if cid == broken else real_get(cid),
    )
    shard = BillingShard(run.id, PERIOD, Decimal("0.01"), (billable, broken))

    reply = handler("settle_dead_shards")(shard_event(shard, receive_count=6), lambda_context)

    assert reply == {"batchItemFailures": []}
    record = services.storage.billing_runs.get(run.id)
    assert (record.customers_billed, record.customers_failed, record.is_done) == (1, 1, True)
    [failed] = services.storage.billing_runs.outcomes(run.id, status=OutcomeStatus.FAILED, limit=10).items
    assert failed.reason == "dead-lettered after 6 deliveries, last attempt: disk gone"


def get_run(api, run_id, **query):
    reply = api("get_billing_run", "GET /v1/billing-runs/{run_id}", f"/v1/billing-runs/{run_id}", query=query or None)
    return reply.status, reply.body


def run_invoices(api, query):
    reply = api("run_invoices", "POST /v1/invoices/run", "/v1/invoices/run", query=query)
    return reply.status, reply.body


def test_a_run_without_a_queue_is_done_when_it_answers_and_its_resource_pages_its_failures(api, injected_services):
    services = injected_services
    billed = customer_with_usage(services, "billed@acme.example")
    for name in ("p1", "p2"):
        customer_with_usage(services, f"{name}@acme.example", quantity="1")
    poisoned = {c.id for c in services.storage.customers.list(limit=10).items} - {billed}
    real_usage = services.storage.usage.period_usage

    def period_usage(customer_id, period):
        if customer_id in poisoned:
            raise ArithmeticError("quantity out of range")
        return real_usage(customer_id, period)

    def period_usage_many(customer_ids, period):  # as an adapter meeting an unreadable row
        if poisoned & set(customer_ids):
            raise ArithmeticError("quantity out of range")
        return real_usage_many(customer_ids, period)

    real_usage_many = services.storage.usage.period_usage_many
    services.storage.usage.period_usage = period_usage  # type: ignore[method-assign]
    services.storage.usage.period_usage_many = period_usage_many  # type: ignore[method-assign]
    try:
        status, run = run_invoices(api, {"period": PERIOD, "unit_price": "0.01"})
    finally:
        del services.storage.usage.period_usage
        del services.storage.usage.period_usage_many
    assert status == 200
    assert (run["status"], run["customers_queued"], run["invoices_generated"]) == ("done", 3, 1)
    assert run["invoice_ids"] == [invoice_id_for(billed, PERIOD)]

    status, first = get_run(api, run["billing_run_id"], limit="1")
    assert status == 200
    assert {
        k: first[k] for k in ("id", "period", "status", "customers_queued", "customers_billed", "customers_failed")
    } == {
        "id": run["billing_run_id"],
        "period": PERIOD,
        "status": "done",
        "customers_queued": 3,
        "customers_billed": 1,
        "customers_failed": 2,
    }
    assert len(first["failures"]) == 1 and first["next_cursor"]
    _, second = get_run(api, run["billing_run_id"], limit="1", cursor=first["next_cursor"])
    failures = first["failures"] + second["failures"]
    assert {f["customer_id"] for f in failures} == poisoned
    assert all(f["reason"] == "ArithmeticError: quantity out of range" for f in failures)


def test_an_unknown_run_is_a_404_and_a_bad_limit_a_400_naming_it(api):
    status, body = get_run(api, "run_nope")
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, body = get_run(api, "run_nope", limit="0")
    assert (status, body["error"]["fields"][0]["field"]) == (400, "limit")


def test_a_run_answers_and_pages_the_customers_it_billed_without_a_price(api, injected_services):
    services = injected_services
    customers = sorted(customer_with_usage(services, f"u{n}@acme.example") for n in range(3))

    status, run = run_invoices(api, {"period": PERIOD})

    assert (status, run["status"]) == (200, "done")
    unpriced = [
        {"customer_id": c, "invoice_id": invoice_id_for(c, PERIOD), "features": ["api_calls"]} for c in customers
    ]
    assert sorted(run["unpriced_usage"], key=lambda u: u["customer_id"]) == unpriced
    status, first = get_run(api, run["billing_run_id"], limit="2")
    assert (status, first["customers_with_unpriced_usage"], first["failures"]) == (200, 3, [])
    listed, cursor = first["unpriced_usage"], first["unpriced_usage_next_cursor"]
    assert len(listed) == 2 and cursor
    while cursor:
        _, page = get_run(api, run["billing_run_id"], limit="2", unpriced_cursor=cursor)
        listed, cursor = listed + page["unpriced_usage"], page["unpriced_usage_next_cursor"]
    assert sorted(listed, key=lambda u: u["customer_id"]) == unpriced


def test_a_bad_unpriced_cursor_is_a_400_naming_it(api, injected_services):
    customer_with_usage(injected_services, "u@acme.example")
    _, run = run_invoices(api, {"period": PERIOD})

    status, body = get_run(api, run["billing_run_id"], unpriced_cursor="not-a-cursor")

    assert (status, body["error"]["fields"][0]["field"]) == (400, "unpriced_cursor")


def test_the_worker_records_the_features_it_billed_without_a_price(injected_services, lambda_context):
    services = injected_services
    customer = customer_with_usage(services, "w@acme.example")
    run = started_run(services, 1, unit_price=None)

    handler("bill_customers")(shard_event(BillingShard(run.id, PERIOD, None, (customer,))), lambda_context)

    assert services.storage.billing_runs.get(run.id).customers_with_unpriced_usage == 1
    [outcome] = services.storage.billing_runs.outcomes(run.id, unpriced=True, limit=10).items
    assert (outcome.customer_id, outcome.unpriced_features) == (customer, ("api_calls",))


@pytest.mark.parametrize(
    ("function", "log_line"),
    [("bill_customers", "dropping a billing message"), ("settle_dead_shards", "dropping a dead letter")],
)
def test_a_shard_naming_an_unknown_run_is_dropped_with_a_log_line_never_retried(
    injected_services, lambda_context, caplog, function, log_line
):
    customer = customer_with_usage(injected_services, "stale@acme.example")
    stale = BillingShard("run_gone", PERIOD, Decimal("0.01"), (customer,))

    reply = handler(function)(shard_event(stale, receive_count=6), lambda_context)

    assert reply == {"batchItemFailures": []}  # before: BillingRunNotFound, retried until the DLQ, raised again there
    [record] = [r for r in caplog.records if r.name == "billing"]
    assert (record.levelname, record.getMessage()) == ("ERROR", log_line)
    assert "run_gone" in record.error and record.exc_info is None  # one line, no traceback
    assert injected_services.invoices.for_customer(customer) == []  # nothing billed for a run nobody started


def test_a_forged_shard_of_a_real_run_with_another_unit_price_bills_nothing(injected_services, lambda_context):
    services = injected_services
    customer = customer_with_usage(services, "forged@acme.example")
    run = started_run(services, 1)
    forged = BillingShard(run.id, PERIOD, Decimal("99"), (customer,))

    reply = handler("bill_customers")(shard_event(forged), lambda_context)

    assert reply == {"batchItemFailures": []}
    assert services.invoices.for_customer(customer) == []
    assert services.storage.billing_runs.get(run.id).customers_billed == 0


def test_the_in_process_queue_drops_a_shard_of_an_unknown_run_and_bills_the_others(injected_services, caplog):
    from billing.queues.in_process import InProcessBillingQueue

    services = injected_services
    known, unknown = customer_with_usage(services, "k@acme.example"), customer_with_usage(services, "u@acme.example")
    run = started_run(services, 1)
    queue = InProcessBillingQueue(services.runs.bill_queued_shard, services.storage.unit_of_work)

    outcomes = queue.send(
        [
            BillingShard("run_gone", PERIOD, Decimal("0.01"), (unknown,)),
            BillingShard(run.id, PERIOD, Decimal("0.01"), (known,)),
        ]
    )

    assert [o.customer_id for o in outcomes] == [known]
    assert [r.getMessage() for r in caplog.records if r.name == "billing"] == ["dropping a billing shard"]
    assert services.invoices.for_customer(unknown) == []
