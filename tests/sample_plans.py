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
