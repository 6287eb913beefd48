# Benchmarks (bench/): `make bench` measures, `make bench QUICK=1` only exercises the code.
.PHONY: bench bench-quick bench-unit bench-emulators

BENCH_PY := PYTHONPATH=$(ROOT):$(ROOT)/harness:$(ROOT)/lambda_src $(PY)
BENCH := $(BENCH_PY) -m bench
# QUICK=1 writes next to, not over, the last full run's report.
BENCH_OUT = build/bench$(if $(filter 1,$(QUICK)),/quick,)

# The upload API runs with the environment Terraform plans for the local stack (bench/planned.py).
BENCH_PLAN := build/terraform/plan-local.json

$(BENCH_PLAN):
	@$(MAKE) --no-print-directory tf-plan-json ENV=local

# `build` first: the bench measures the zips that ship (it falls back to lambda_src without them);
# a fresh plan of them too.
bench: $(VENV_STAMP) lambda-runtime build tf-plan-json bench-emulators ## Benchmarks -> build/bench/{results.json,report.md,*.png}; QUICK=1: seconds, numbers meaningless
	$(BENCH) --out $(BENCH_OUT) $(if $(filter 1,$(QUICK)),--quick,)

# Emulators already answering are used whoever started them; otherwise `localstack-up` starts them.
bench-emulators: $(VENV_STAMP)
	@$(BENCH_PY) -m bench.localstack >/dev/null || $(MAKE) localstack-up

bench-unit: $(VENV_STAMP) lambda-runtime ## Tests of the bench's statistics, report, reference handler and runtime cold starts (awslambdaric workers)
	$(PY) -m pytest tests/bench

# Not through `bench`, so no rebuild: the quick run uses build/lambda/ when present, else lambda_src,
# and the last plan when there is one.
bench-quick: lambda-runtime bench-unit bench-emulators | $(BENCH_PLAN) ## The bench's own tests + a QUICK=1 run (in make test so the bench cannot rot; asserts no speed)
	$(BENCH) --out build/bench/quick --quick

TEST_TARGETS += bench-quick
