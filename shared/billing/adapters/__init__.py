"""Storage adapters implementing billing.ports. Services never import these; bootstrap does."""
