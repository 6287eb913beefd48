# The two Lambda functions: packages (build) and their unit tests.
.PHONY: build unit integration lambda-build-check

build: $(VENV_STAMP) ## Lambda zips in build/lambda/ (the edge's without its configuration: Terraform bakes it in at apply)
	$(PY) packaging/build_lambda.py

unit: $(VENV_STAMP) ## Unit tests of both Lambdas: no server (moto, attack catalog, properties, build reproducibility)
	$(PY) -m pytest tests/unit

# LocalStack's install is a prerequisite: the tests start it when it is not running.
integration: $(VENV_STAMP) $(TOOLS)/localstack/.installed ## Integration tests against LocalStack (what S3 itself enforces on our presigns)
	$(PY) -m pytest tests/integration

lambda-build-check: $(VENV_STAMP) ## make build, then a second build elsewhere must be byte-identical (sha256)
	$(PY) packaging/build_lambda.py --check-reproducible

TEST_TARGETS += unit integration lambda-build-check
