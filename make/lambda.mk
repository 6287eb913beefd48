# The two Lambda functions: packages (build) and their unit tests.
.PHONY: build unit lambda-build-check

# The edge function's baked configuration (issuer, audience, public keys). The committed
# example trusts a throwaway key; deployments and the local stack pass their own file.
EDGE_CONFIG ?= lambda_src/edge_config.example.json

build: $(VENV_STAMP) ## Lambda zips in build/lambda/ (+ edge_auth/ tree for Terraform); EDGE_CONFIG=file for the edge
	$(PY) packaging/build_lambda.py --edge-config $(EDGE_CONFIG)

# LocalStack's install is a prerequisite: the presigned-PUT proof starts it when it is not running.
unit: $(VENV_STAMP) $(TOOLS)/localstack/.installed ## Unit tests of both Lambdas (moto, attack catalog, properties, build reproducibility, LocalStack S3)
	$(PY) -m pytest tests/unit

lambda-build-check: $(VENV_STAMP) ## make build, then a second build elsewhere must be byte-identical (sha256)
	$(PY) packaging/build_lambda.py --edge-config $(EDGE_CONFIG) --check-reproducible

TEST_TARGETS += unit lambda-build-check
