"""The pricing models (charge models), one family per module, each a small strategy class.

Each is a frozen dataclass of validated Decimals with `rate(quantity, events) -> Rating` (unrounded amount
plus breakdown), `from_spec` (the API's JSON shape, errors naming the exact field) and `to_spec` (canonical
JSON-able dict). The factory (billing.pricing.factory) picks the class by its `name`. What they share: the
PriceModel protocol and the field checks (base), tiers (tiers).

Field names follow Lago's charge properties, so a plan migrating from Lago maps one to one.
"""
