"""Copied to the root of mutmut's workspace as conftest.py (tools/mutation/run.py).

Every mutant runs the same examples (derandomize: a survivor stays a survivor from run to
run, and no hypothesis database is involved) and no deadline applies: mutmut's trampolines
slow every mutated function down, and a deadline would turn that into a "kill".
"""

from hypothesis import settings

settings.register_profile("mutation", deadline=None, derandomize=True, database=None, print_blob=False)
settings.load_profile("mutation")
