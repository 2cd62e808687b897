"""HTTP glue shared by the Lambda handlers: the resolver and entrypoint (app), routes, the authorizer's logic,
access policies, the body reader, the one error map, idempotency, request/response schemas (schemas/) and the
drop-in vendor APIs (dropin/).

Knows Powertools and pydantic; knows nothing of SQL.
"""
