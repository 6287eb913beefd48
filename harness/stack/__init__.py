"""The local stack: LocalStack provisioned from Terraform's plan, plus adapters for what it cannot serve.

See harness/stack/README.md for what is emulated and what is not.
"""
