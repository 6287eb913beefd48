"""python -m stack up|down|status (see orchestrate.py)."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from stack import orchestrate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack", description=orchestrate.__doc__)
    parser.add_argument("action", choices=["up", "down", "status"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.action == "up":
        orchestrate.up()
    elif args.action == "down":
        orchestrate.down()
    else:
        print(json.dumps(orchestrate.status()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
