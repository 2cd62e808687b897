"""Backend errors as domain errors, and the condition failures a repository interprets itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from billing.domain.errors import ConcurrentUpdate, StorageUnavailable

_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ResourceNotFoundException",
        "LimitExceededException",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "TransactionInProgressException",
    }
)


class Cancelled(Exception):
    """A transaction was cancelled: `reasons[i]` is the code for item i ("None" when it was fine)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"

    @property
    def conflicting(self) -> bool:
        """Another transaction was changing the same items: retry."""
        return any(reason == "TransactionConflict" for reason in self.reasons)


class ConditionFailed(Exception):
    """A single-item write's condition was false."""


@contextmanager
def translated() -> Iterator[None]:
    """Backend errors as domain errors; the condition failures the caller interprets as Cancelled or
    ConditionFailed."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "TransactionCanceledException":
            reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            if not reasons:  # some emulators only put them in the message
                reasons = _reasons_from_message(error.response.get("Error", {}).get("Message", ""))
            raise Cancelled(reasons) from None
        if code == "ConditionalCheckFailedException":
            raise ConditionFailed() from None
        if code == "TransactionConflictException":
            raise ConcurrentUpdate("another transaction was writing the same items") from None
        if code in _UNAVAILABLE_CODES:
            raise StorageUnavailable(f"DynamoDB cannot serve right now ({code})") from error
        raise
    except BotoCoreError as error:  # endpoint unreachable, timeouts, no credentials
        raise StorageUnavailable(f"DynamoDB cannot be reached ({type(error).__name__})") from error


def _reasons_from_message(message: str) -> list[str]:
    # "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    start, end = message.rfind("["), message.rfind("]")
    if start < 0 or end < start:
        return []
    return [part.strip() for part in message[start + 1 : end].split(",")]
