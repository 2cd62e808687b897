"""The billing core: domain, pricing, services, storage port and adapters, HTTP glue.

Packaged as the Lambda layer every function shares (template.yaml: BillingCoreLayer).
"""
