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

# Not through `bench`, so no rebuild: the quick run uses build/lambda/ when present, else lambda_src.
bench-quick: bench-unit localstack-up ## The bench's own tests + a QUICK=1 run (in make test so the bench cannot rot; asserts no speed)
	$(BENCH) --out build/bench/quick --quick

TEST_TARGETS += bench-quick
