# Mutation testing (mutmut) of the security-relevant modules, run on the unit tests.
# tools/mutation/run.py stages the code in build/mutation/work*, runs mutmut there and writes
# build/mutation/report.{md,json}; it fails on a surviving mutant that
# tests/mutation/equivalent/<module>.toml does not list with a reason (or that only rewords a
# prose message: tools/mutation/wording.py).
.PHONY: mutation mutation-quick

# MUTATION_JOBS: parallel mutants (default 2); KEEP=1 reuses the last run's results and
# re-tests only what changed and what survived (quicker while killing survivors).
MUTATION_JOBS ?= 2
MUTATION := $(PY) tools/mutation/run.py --max-children $(MUTATION_JOBS) $(if $(filter 1,$(KEEP)),--keep,)

mutation: $(VENV_STAMP) ## Mutation testing of the security-relevant modules -> build/mutation/report.md (long: see README)
	$(MUTATION)

# The slice `make test` runs so the tooling cannot rot: the object key scheme, with its own tests.
MUTATION_QUICK_ONLY := objectkeys/__init__.py
MUTATION_QUICK_TESTS := tests/unit/test_objectkeys.py

mutation-quick: $(VENV_STAMP) ## The report's own tests + mutation testing of one module (objectkeys) with its tests, in about 1.5 minutes (in make test)
	$(PY) -m pytest tests/mutation
	$(MUTATION) --quick $(addprefix --only ,$(MUTATION_QUICK_ONLY)) $(addprefix --tests ,$(MUTATION_QUICK_TESTS))

TEST_TARGETS += mutation-quick
