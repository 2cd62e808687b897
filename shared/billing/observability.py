"""The logger and the metrics of every function, HTTP or not: Powertools' JSON logger and CloudWatch EMF metrics.

The billing queue's worker, the dead-letter consumer and the schedule log and measure with these without
importing the HTTP glue; billing.http.app writes each request's log line with them (billing.http.request_log).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="billing")
metrics = Metrics(namespace="UsageBilling", service="billing")
