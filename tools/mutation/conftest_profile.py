"""Copied to the root of mutmut's workspace as conftest.py (tools/mutation/run.py).

Every mutant runs the same examples (derandomize: a survivor stays a survivor from run to
run, and no hypothesis database is involved) and no deadline applies: mutmut's trampolines
slow every mutated function down, and a deadline would turn that into a "kill".

A surviving mutant runs every test that reaches its function, and the property tests are
most of that time, so under mutation each runs at most MUTATION_MAX_EXAMPLES examples
(default 25; `make test`'s unit run keeps the examples each test asks for).
"""

import os
from typing import Any

from hypothesis import settings

MAX_EXAMPLES = int(os.environ.get("MUTATION_MAX_EXAMPLES", "25"))

settings.register_profile("mutation", deadline=None, derandomize=True, database=None, print_blob=False)
settings.load_profile("mutation")


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        test = getattr(item, "obj", None)
        # hypothesis reads the settings off the wrapped test each time it runs.
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if isinstance(current, settings) and current.max_examples > MAX_EXAMPLES:
            test._hypothesis_internal_use_settings = settings(current, max_examples=MAX_EXAMPLES)  # type: ignore[union-attr]
