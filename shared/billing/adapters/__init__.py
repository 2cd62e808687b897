"""The ports' implementations: storage (sqlite/, dynamodb/) and the billing queue (queues/). Services never
import these; bootstrap does."""
