# The two Lambda functions: packages (build) and their unit tests.
.PHONY: build unit integration lambda-build-check

# The edge function's baked configuration (issuer, audience, public keys). The committed
# example trusts a throwaway key; deployments and the local stack pass their own file.
EDGE_CONFIG ?= lambda_src/edge_config.example.json

build: $(VENV_STAMP) ## Lambda zips in build/lambda/ (+ edge_auth/ tree for Terraform); EDGE_CONFIG=file for the edge
	$(PY) packaging/build_lambda.py --edge-config $(EDGE_CONFIG)

unit: $(VENV_STAMP) ## Unit tests of both Lambdas: no server (moto, attack catalog, properties, build reproducibility)
	$(PY) -m pytest tests/unit

# LocalStack's install is a prerequisite: the tests start it when it is not running.
integration: $(VENV_STAMP) $(TOOLS)/localstack/.installed ## Integration tests against LocalStack (what S3 itself enforces on our presigns)
	$(PY) -m pytest tests/integration

lambda-build-check: $(VENV_STAMP) ## make build, then a second build elsewhere must be byte-identical (sha256)
	$(PY) packaging/build_lambda.py --edge-config $(EDGE_CONFIG) --check-reproducible

TEST_TARGETS += unit integration lambda-build-check
