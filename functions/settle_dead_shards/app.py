"""The billing dead-letter queue's consumer: shards the worker gave up on after maxReceiveCount deliveries.

Each customer is billed if it can be now, else recorded as failed with "dead-lettered ..." and the last
error, so GET /v1/billing-runs/{id} reports it and the run can end. A message fails again (and stays in
the dead-letter queue for a later attempt) only when even recording the outcome was impossible. A message that is
no shard of a run we started (malformed, naming an unknown run) is dropped with a log line.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from billing import bootstrap
from billing.domain.billing_runs import OutcomeStatus, parse_shard
from billing.domain.errors import BillingRunNotFound, InvalidInput
from billing.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)


def settle(record: SQSRecord) -> None:
    attempts = record.attributes.approximate_receive_count
    try:
        shard = parse_shard(record.body)
        outcomes = bootstrap.services().runs.settle_dead_shard(shard, attempts=int(attempts) if attempts else None)
    except (InvalidInput, BillingRunNotFound) as error:  # not a shard of a run we started: nothing to settle
        logger.error("dropping a dead letter", extra={"message_id": record.message_id, "error": str(error)})
        metrics.add_metric(name="MalformedShards", unit="Count", value=1)
        return
    for outcome in outcomes:
        if outcome.status == OutcomeStatus.FAILED:
            logger.error(
                "customer dead-lettered",
                extra={"run_id": shard.run_id, "customer_id": outcome.customer_id, "reason": outcome.reason},
            )
    metrics.add_metric(name="DeadLetteredShards", unit="Count", value=1)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=settle, processor=processor, context=context)
