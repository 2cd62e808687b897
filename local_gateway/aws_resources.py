"""What the template declares beyond the HTTP API: DynamoDB tables, SQS queues and the SQS event sources of
functions, read from the resource definitions so that the local emulator and the tests create exactly what
deploys. Also a small evaluator of the template's Conditions, for asking "what does variant X deploy?".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_gateway.template import SAM_DEFAULT_TIMEOUT_S, load_yaml, merge_globals

TABLE_TYPE = "AWS::DynamoDB::Table"
QUEUE_TYPE = "AWS::SQS::Queue"
FUNCTION_TYPE = "AWS::Serverless::Function"
NO_VALUE = {"Ref": "AWS::NoValue"}
DEFAULT_BATCH_SIZE = 10  # SAM's default for an SQS event
DEFAULT_VISIBILITY_TIMEOUT = 30


# ---------------------------------------------------------------------------
# Conditions: what a set of parameter values deploys
# ---------------------------------------------------------------------------


def parameter_values(document: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every parameter's value: the override, else its Default."""
    values = {name: spec.get("Default") for name, spec in (document.get("Parameters") or {}).items()}
    return values | dict(overrides or {})


def evaluate_conditions(document: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, bool]:
    conditions: Mapping[str, Any] = document.get("Conditions") or {}
    results: dict[str, bool] = {}

    def value(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return parameters.get(node["Ref"], node["Ref"])
        return node

    def truth(node: Any) -> bool:
        if isinstance(node, dict) and len(node) == 1:
            ((function, arguments),) = node.items()
            if function == "Condition":
                return condition(arguments)
            if function == "Fn::Equals":
                return str(value(arguments[0])) == str(value(arguments[1]))
            if function == "Fn::Not":
                return not truth(arguments[0])
            if function == "Fn::And":
                return all(truth(argument) for argument in arguments)
            if function == "Fn::Or":
                return any(truth(argument) for argument in arguments)
        raise ValueError(f"cannot evaluate condition {node!r}")

    def condition(name: str) -> bool:
        if name not in results:
            results[name] = truth(conditions[name])
        return results[name]

    for name in conditions:
        condition(name)
    return results


def resolve(node: Any, conditions: Mapping[str, bool]) -> Any:
    """`node` with every Fn::If decided and every AWS::NoValue removed (other intrinsics kept)."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, when_true, when_false = node["Fn::If"]
            return resolve(when_true if conditions[name] else when_false, conditions)
        resolved = {key: resolve(item, conditions) for key, item in node.items()}
        return {key: item for key, item in resolved.items() if item != NO_VALUE}
    if isinstance(node, list):
        return [item for item in (resolve(item, conditions) for item in node) if item != NO_VALUE]
    return node


@dataclass(frozen=True)
class Deployment:
    """The resources a template creates for some parameter values, conditions and Fn::If resolved, and each
    function's properties merged with Globals."""

    resources: dict[str, dict[str, Any]]
    functions: dict[str, dict[str, Any]]
    conditions: dict[str, bool]


def deployment(document: Mapping[str, Any], parameters: Mapping[str, str] | None = None) -> Deployment:
    conditions = evaluate_conditions(document, parameter_values(document, parameters))
    resources = {
        name: resolve(resource, conditions)
        for name, resource in (document.get("Resources") or {}).items()
        if conditions.get(resource.get("Condition"), True)
    }
    function_globals = resolve(((document.get("Globals") or {}).get("Function")) or {}, conditions)
    functions = {
        name: merge_globals(resource.get("Properties") or {}, function_globals)
        for name, resource in resources.items()
        if resource["Type"] == FUNCTION_TYPE
    }
    return Deployment(resources, functions, conditions)


# ---------------------------------------------------------------------------
# Tables, queues, event sources
# ---------------------------------------------------------------------------


def table_arguments(properties: Mapping[str, Any]) -> dict[str, Any]:
    """CreateTable's arguments from an AWS::DynamoDB::Table's Properties (keys, indexes, billing mode,
    encryption); PITR and deletion protection do not change behaviour and are left out."""
    arguments: dict[str, Any] = {
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if arguments["BillingMode"] == "PROVISIONED":
        arguments["ProvisionedThroughput"] = properties["ProvisionedThroughput"]
    if properties.get("GlobalSecondaryIndexes"):
        arguments["GlobalSecondaryIndexes"] = [
            {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"], "Projection": index["Projection"]}
            for index in properties["GlobalSecondaryIndexes"]
        ]
    if (properties.get("SSESpecification") or {}).get("SSEEnabled"):
        arguments["SSESpecification"] = {"Enabled": True}
    return arguments


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    visibility_timeout: int
    retention_seconds: int | None
    fifo: bool
    dead_letter_queue: str | None  # the logical id of its DLQ
    max_receive_count: int | None


@dataclass(frozen=True)
class SqsEventSource:
    """An SQS event of a function: what the Lambda service would poll and how."""

    function_id: str
    event_name: str
    queue_id: str
    batch_size: int
    report_batch_item_failures: bool
    maximum_concurrency: int | None
    function_timeout: int


def _get_att_target(value: Any, attribute: str) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        if isinstance(target, list) and len(target) == 2 and target[1] == attribute:
            return str(target[0])
    return None


@dataclass(frozen=True)
class AwsResources:
    """The template's tables, queues and SQS event sources (every one, whatever the conditions: the local
    emulator plays the DynamoDB variant)."""

    tables: dict[str, dict[str, Any]]  # logical id -> CreateTable arguments
    queues: dict[str, QueueSpec]
    event_sources: tuple[SqsEventSource, ...]
    function_environment: dict[str, dict[str, Any]]  # each function's Variables (Globals merged)

    def queues_in_creation_order(self) -> list[QueueSpec]:
        """Dead-letter queues before the queues that redrive into them."""
        return sorted(self.queues.values(), key=lambda queue: queue.dead_letter_queue is not None)


def aws_resources(template: Path | str) -> AwsResources:
    document = load_yaml(template)
    resources: Mapping[str, Any] = document.get("Resources") or {}
    function_globals = ((document.get("Globals") or {}).get("Function")) or {}
    tables, queues, sources, environment = {}, {}, [], {}
    for logical_id, resource in resources.items():
        properties = resource.get("Properties") or {}
        if resource.get("Type") == TABLE_TYPE:
            tables[logical_id] = table_arguments(properties)
        elif resource.get("Type") == QUEUE_TYPE:
            redrive = properties.get("RedrivePolicy") or {}
            if isinstance(redrive, str):
                redrive = json.loads(redrive)
            queues[logical_id] = QueueSpec(
                logical_id,
                int(properties.get("VisibilityTimeout", DEFAULT_VISIBILITY_TIMEOUT)),
                int(properties["MessageRetentionPeriod"]) if "MessageRetentionPeriod" in properties else None,
                bool(properties.get("FifoQueue", False)),
                _get_att_target(redrive.get("deadLetterTargetArn"), "Arn"),
                int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
            )
        elif resource.get("Type") == FUNCTION_TYPE:
            merged = merge_globals(properties, function_globals)
            environment[logical_id] = (merged.get("Environment") or {}).get("Variables") or {}
            for event_name, event in (merged.get("Events") or {}).items():
                if event.get("Type") != "SQS":
                    continue
                event_properties = event.get("Properties") or {}
                queue_id = _get_att_target(event_properties.get("Queue"), "Arn")
                if queue_id is None:
                    raise ValueError(f"{logical_id}.Events.{event_name}: Queue must be !GetAtt <Queue>.Arn")
                sources.append(
                    SqsEventSource(
                        logical_id,
                        event_name,
                        queue_id,
                        int(event_properties.get("BatchSize", DEFAULT_BATCH_SIZE)),
                        "ReportBatchItemFailures" in (event_properties.get("FunctionResponseTypes") or []),
                        (event_properties.get("ScalingConfig") or {}).get("MaximumConcurrency"),
                        int(merged.get("Timeout", SAM_DEFAULT_TIMEOUT_S)),
                    )
                )
    return AwsResources(tables, queues, tuple(sources), environment)


@dataclass(frozen=True)
class CreatedResources:
    table_names: dict[str, str]  # logical id -> table name
    queue_urls: dict[str, str]
    queue_arns: dict[str, str]


def create_resources(
    resources: AwsResources, dynamodb: Any, sqs: Any, *, prefix: str, queue_overrides: Mapping[str, Any] | None = None
) -> CreatedResources:
    """Create every table and queue with boto3 clients (moto in tests and `make run`); names start with
    `prefix`. `queue_overrides` replaces queue attributes (tests shorten nothing by default)."""
    tables = {}
    for logical_id, arguments in resources.tables.items():
        name = f"{prefix}-{logical_id}"
        dynamodb.create_table(TableName=name, **arguments)
        tables[logical_id] = name
    urls, arns = {}, {}
    for queue in resources.queues_in_creation_order():
        attributes = {"VisibilityTimeout": str(queue.visibility_timeout)}
        if queue.retention_seconds is not None:
            attributes["MessageRetentionPeriod"] = str(queue.retention_seconds)
        if queue.fifo:
            attributes["FifoQueue"] = "true"
        if queue.dead_letter_queue is not None:
            redrive = {"deadLetterTargetArn": arns[queue.dead_letter_queue], "maxReceiveCount": queue.max_receive_count}
            attributes["RedrivePolicy"] = json.dumps(redrive)
        attributes |= {key: str(value) for key, value in (queue_overrides or {}).items()}
        name = f"{prefix}-{queue.logical_id}" + (".fifo" if queue.fifo else "")
        urls[queue.logical_id] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arns[queue.logical_id] = sqs.get_queue_attributes(QueueUrl=urls[queue.logical_id], AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
    return CreatedResources(tables, urls, arns)


def local_environment(resources: AwsResources, created: CreatedResources) -> dict[str, str]:
    """The variables whose template values are references to tables and queues (TABLE_NAME: !Ref Table,
    QUEUE_URL: !Ref Queue, possibly inside Fn::If), with the created resources' local names."""
    values: dict[str, str] = {}
    for variables in resources.function_environment.values():
        for name, value in variables.items():
            target = _referenced(value)
            if target in created.table_names:
                values[name] = created.table_names[target]
            elif target in created.queue_urls:
                values[name] = created.queue_urls[target]
    return values


def _referenced(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return str(value["Ref"])
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        return next((t for t in (_referenced(v) for v in value["Fn::If"][1:]) if t and t != "AWS::NoValue"), None)
    return None
