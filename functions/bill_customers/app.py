"""The billing queue's worker (SQS event source, partial batch responses): bills every customer of each shard.

A customer that cannot be billed is recorded as failed with its reason and the others go on; the message
succeeds (delivering bad data again would fail again). A message is reported as a batch item failure only
when billing may work later: storage or the network was unavailable, or the function died half-way (then
the whole batch comes back). SQS delivers it again after the visibility timeout; after maxReceiveCount
deliveries it moves to the dead-letter queue, whose consumer (functions/settle_dead_shards) settles it.
Delivering a shard twice is harmless: invoices and outcomes are keyed by customer, period and run.
A message that is no shard of a run we started (malformed, naming an unknown run, or a period or unit price
not its run's) is dropped with a log line: delivering it again cannot help.
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


def bill_shard(record: SQSRecord) -> None:
    try:
        shard = parse_shard(record.body)
        outcomes = bootstrap.services().runs.bill_queued_shard(shard)
    except (InvalidInput, BillingRunNotFound) as error:  # not a shard of a run we started: retrying cannot help
        logger.error("dropping a billing message", extra={"message_id": record.message_id, "error": str(error)})
        metrics.add_metric(name="MalformedShards", unit="Count", value=1)
        return
    failed = [outcome for outcome in outcomes if outcome.status == OutcomeStatus.FAILED]
    for outcome in failed:
        logger.error(
            "customer not billed",
            extra={"run_id": shard.run_id, "customer_id": outcome.customer_id, "reason": outcome.reason},
        )
    metrics.add_metric(name="CustomersBilled", unit="Count", value=len(outcomes) - len(failed))
    metrics.add_metric(name="CustomersFailed", unit="Count", value=len(failed))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=bill_shard, processor=processor, context=context)
