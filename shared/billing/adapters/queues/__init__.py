"""The billing queue port's implementations (billing.queues): SQS for fan-out, or billing in this process."""
