"""The issue's example prices and plan, shared by the pricing, scenario and route tests."""

from __future__ import annotations

from typing import Any

API_CALLS_GRADUATED: dict[str, Any] = {
    "feature": "api_calls",
    "model": "graduated",
    "tiers": [
        {"up_to": "1000", "unit_amount": "0"},
        {"up_to": "10000", "unit_amount": "0.002"},
        {"up_to": None, "unit_amount": "0.001", "flat_amount": "5"},
    ],
}

# The example plan (POST /v1/plans body).
GROWTH_PLAN: dict[str, Any] = {
    "name": "Growth",
    "currency": "USD",
    "minimum_amount": "25.00",
    "grace_period_days": 3,
    "prices": [
        API_CALLS_GRADUATED,
        {
            "feature": "seats",
            "model": "volume",
            "aggregation": "max",
            "tiers": [{"up_to": "10", "unit_amount": "8"}, {"up_to": None, "unit_amount": "6", "flat_amount": "20"}],
        },
        {"feature": "storage_gb", "model": "per_unit", "unit_amount": "0.25", "aggregation": "latest"},
        {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "1.50"},
        {
            "feature": "active_users",
            "model": "per_unit",
            "unit_amount": "3",
            "aggregation": "unique_count",
            "property": "user_id",
        },
    ],
}
