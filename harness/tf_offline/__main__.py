"""Usage (PYTHONPATH=harness): python -m tf_offline COMMAND; see README.md.

providers                fetch the pinned packages, install the stand-in providers
validate [DIR]           fmt check + init/validate/test of DIR (default terraform/) and DIR/modules/*
plan-json ENV [DIR]      plan DIR with DIR/environments/ENV.tfvars into build/terraform/plan-ENV.json
"""

from __future__ import annotations

import sys
from pathlib import Path

from tf_offline import providers, runner


def main(argv: list[str]) -> int:
    match argv:
        case ["providers"]:
            providers.install()
            return 0
        case ["validate", *tree] if len(tree) <= 1:
            return runner.validate(*(Path(t).resolve() for t in tree))
        case ["plan-json", env, *tree] if len(tree) <= 1:
            return runner.plan_json(env, *(Path(t).resolve() for t in tree))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
