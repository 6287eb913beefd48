# Terraform checks that need no provider download: schemas rebuilt from pinned npm packages,
# served by a stand-in provider (harness/tf_offline/README.md). TF_PROVIDERS=real uses the
# real providers from the registry instead, with the same commands.
.PHONY: tf-providers tf-validate tf-plan-json tf-contract-tests tf-docs unit-tf-offline

# The toolchain runs in its own environment, build/tools/tf-offline (requirements/tf-offline.txt:
# gRPC, the plugin protocol, hc-go-plugin-server with its cryptography<42 pin), like LocalStack's
# and checkov's, so that no tool constrains what .venv or a Lambda package resolves.
TFO_VENV := $(TOOLS)/tf-offline
TFO_STAMP := $(TFO_VENV)/.installed
TF_OFFLINE := PYTHONPATH=$(ROOT)/harness $(TFO_VENV)/bin/python -m tf_offline
TF_PROVIDERS ?= offline
TF_PROVIDERS_STAMP := build/tf_offline/plugins/.installed
ENV ?= local

$(TFO_STAMP): requirements/tf-offline.txt
	@scripts/setup_venv.sh $(TFO_VENV) requirements/tf-offline.txt

$(TF_PROVIDERS_STAMP): $(TFO_STAMP) harness/tf_offline/cdktf_schema.py harness/tf_offline/providers.py
	@$(TF_OFFLINE) providers
	@touch $@

tf-providers: $(TF_PROVIDERS_STAMP) ## Fetch the pinned provider packages (npm pack) and install the stand-in providers under build/
# Real providers need nothing installed here: `terraform init` downloads them.
ifeq ($(TF_PROVIDERS),real)
TF_NEEDS := $(VENV_STAMP) $(TFO_STAMP)
else
TF_NEEDS := $(TF_PROVIDERS_STAMP)
endif

# The README tables are read with python-hcl2 from checkov's pinned tool environment.
TF_DOCS := $(TOOLS)/checkov/bin/python harness/tf_offline/docs.py

tf-validate: $(TF_NEEDS) $(TOOLS)/checkov/.installed ## Generated files up to date (contract tests, README tables), terraform fmt -check, then init + validate + test of the composition, each module and each example (offline; TF_PROVIDERS=real for the registry's)
	@$(TF_OFFLINE) contract --check
	@$(TF_DOCS) --check
	@TF_PROVIDERS=$(TF_PROVIDERS) $(TF_OFFLINE) validate

tf-contract-tests: $(TFO_STAMP) ## Regenerate the modules' contract.tftest.hcl from tests/contract/boundaries.json
	@$(TF_OFFLINE) contract

tf-docs: $(TOOLS)/checkov/.installed ## Regenerate the input/output tables of every Terraform README (composition, modules, examples)
	@$(TF_DOCS)

tf-plan-json: build $(TF_NEEDS) ## Plan the example terraform/examples/$(ENV) into build/terraform/plan-$(ENV).json (ENV=local or complete)
	@TF_PROVIDERS=$(TF_PROVIDERS) $(TF_OFFLINE) plan-json $(ENV)

unit-tf-offline: $(TF_PROVIDERS_STAMP) $(TOOLS)/checkov/.installed ## Tests of the offline validation tool (schema builder, stand-in provider, fixtures, generated files), in its own environment
	$(TFO_VENV)/bin/python -m pytest tests/tf_offline

TEST_TARGETS += unit-tf-offline tf-validate
