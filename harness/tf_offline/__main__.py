"""Usage (PYTHONPATH=harness): python -m tf_offline COMMAND; see README.md.

providers                fetch the pinned packages, install the stand-in providers
validate [DIR]           fmt check + init/validate/test of DIR (default terraform/), DIR/modules/* and DIR/examples/*
plan-json ENV [DIR]      plan the example DIR/examples/ENV into build/terraform/plan-ENV.json
contract [--check]       write (or check) the modules' contract.tftest.hcl from tests/contract/boundaries.json
"""

from __future__ import annotations

import sys
from pathlib import Path

from tf_offline import contract, providers, runner


def main(argv: list[str]) -> int:
    match argv:
        case ["providers"]:
            providers.install()
            return 0
        case ["validate", *tree] if len(tree) <= 1:
            return runner.validate(*(Path(t).resolve() for t in tree))
        case ["contract", *flags] if flags in ([], ["--check"]):
            return contract.write(check=bool(flags))
        case ["plan-json", env, *tree] if len(tree) <= 1:
            return runner.plan_json(env, *(Path(t).resolve() for t in tree))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
