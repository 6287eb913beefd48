# Benchmarks (scripts/bench/): `make bench` measures, `make bench QUICK=1` only exercises the code.
.PHONY: bench bench-quick bench-unit

BENCH := PYTHONPATH=$(ROOT)/scripts:$(ROOT)/lambda_src $(PY) -m bench
# QUICK=1 writes next to, not over, the last full run's report.
BENCH_OUT = build/bench$(if $(filter 1,$(QUICK)),/quick,)

# `build` first: the bench measures the zips that ship (it falls back to lambda_src without them).
bench: $(VENV_STAMP) build localstack-up ## Benchmarks -> build/bench/{results.json,report.md,*.png}; QUICK=1: seconds, numbers meaningless
	$(BENCH) --out $(BENCH_OUT) $(if $(filter 1,$(QUICK)),--quick,)

bench-unit: $(VENV_STAMP) ## Tests of the bench's statistics, report and reference handler
	$(PY) -m pytest tests/bench

bench-quick: bench-unit ## The bench's own tests + `make bench QUICK=1` (in make test so the bench cannot rot; asserts no speed)
	@$(MAKE) bench QUICK=1

TEST_TARGETS += bench-quick
