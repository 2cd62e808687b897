"""Body of the health route."""

from __future__ import annotations

from billing.http.schemas.base import ResponseModel


class HealthOut(ResponseModel):
    status: str
