"""HTTP glue shared by the Lambda handlers: resolver factory, error map, schemas.

Knows Powertools and pydantic; knows nothing of SQL.
"""
