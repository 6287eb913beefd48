# The local stack: LocalStack provisioned from Terraform's plan + API Gateway and CloudFront adapters.
.PHONY: up down token e2e stack-unit

STACK := PYTHONPATH=$(ROOT)/scripts $(PY) -m stack

stack-unit: $(VENV_STAMP) ## Unit tests of the local stack's adapters (documented sample events, real HTTP)
	$(PY) -m pytest tests/stack

token: $(VENV_STAMP) ## Print a user JWT from the local dev issuer: make token SUB=alice
	@scripts/dev_token --sub "$(or $(SUB),dev-user)"

TEST_TARGETS += stack-unit
