"""Plain domain objects and rules. Knows nothing of Lambda, HTTP or SQL."""
