# The local stack: LocalStack provisioned from Terraform's plan + API Gateway and CloudFront adapters.
.PHONY: up down token e2e stack-unit

STACK := PYTHONPATH=$(ROOT)/harness $(PY) -m stack

up: $(VENV_STAMP) $(TOOLS)/localstack/.installed $(LAMBDA_RUNTIME_VENV)/.installed ## Local stack: LocalStack + build + plan (tf-plan-json ENV=local) + provision + adapters; prints URLs and a curl example
	@$(MAKE) tf-plan-json ENV=local
	@$(STACK) up

down: $(VENV_STAMP) ## Stop what `make up` started (adapters, dev issuer; LocalStack only if up started it)
	@$(STACK) down

token: $(VENV_STAMP) ## Print a user JWT from the local dev issuer: make token SUB=alice
	@bin/dev_token --sub "$(or $(SUB),dev-user)"

stack-unit: $(VENV_STAMP) $(LAMBDA_RUNTIME_VENV)/.installed ## Unit tests of the local stack (adapters, plan resolution) and of the event builders against AWS's sample events
	$(PY) -m pytest tests/stack tests/events

e2e: $(VENV_STAMP) $(TOOLS)/localstack/.installed $(LAMBDA_RUNTIME_VENV)/.installed ## End-to-end tests against the local stack (reuses a running one, else up + down)
	$(PY) -m pytest tests/e2e

TEST_TARGETS += stack-unit e2e
