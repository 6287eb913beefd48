# The harness: LocalStack launcher and the harness's own tests.
.PHONY: localstack-up localstack-down unit-harness

$(TOOLS)/localstack/.installed: requirements/localstack.txt
	@scripts/setup_venv.sh $(TOOLS)/localstack requirements/localstack.txt

localstack-up: $(VENV_STAMP) $(TOOLS)/localstack/.installed ## Start LocalStack 4.14.0 (+ DynamoDB sidecar) on 127.0.0.1, or use LOCALSTACK_ENDPOINT
	@$(PY) harness/localstack_launcher.py up

localstack-down: $(VENV_STAMP) ## Stop what localstack-up started (by pid file), nothing else
	@$(PY) harness/localstack_launcher.py down

unit-harness: $(VENV_STAMP) $(TOOLS)/localstack/.installed ## Tests of the harness itself (Terraform CLI pin, LocalStack launcher)
	$(PY) -m pytest tests/harness

TEST_TARGETS += unit-harness

# The functions' runtime environment (awslambdaric + boto3, requirements/python3.13-runtime.txt): the
# local stack's Lambda workers run on it, never on .venv. LAMBDA_RUNTIME_VENV=dir builds it elsewhere.
LAMBDA_RUNTIME_VENV ?= $(TOOLS)/lambda-runtime
export LAMBDA_RUNTIME_VENV

$(LAMBDA_RUNTIME_VENV)/.installed: requirements/python3.13-runtime.txt
	@scripts/setup_venv.sh $(LAMBDA_RUNTIME_VENV) requirements/python3.13-runtime.txt

lambda-runtime: $(LAMBDA_RUNTIME_VENV)/.installed ## The functions' runtime environment for the local stack (awslambdaric + boto3 as python3.13 ships them)
.PHONY: lambda-runtime
