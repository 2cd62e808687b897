"""The DynamoDB adapter: a single-table design (docs/storage-dynamodb.md). Imported only when
STORAGE_BACKEND=dynamodb, so SQLite deployments never load boto3."""

from billing.adapters.dynamodb.storage import DynamoStorage

__all__ = ["DynamoStorage"]
