"""python -m stack up|down|status|restart-api (see orchestrate.py)."""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import sys

from stack import orchestrate, paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack", description=orchestrate.__doc__)
    parser.add_argument("action", choices=["up", "down", "status", "restart-api"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.action == "status":
        print(json.dumps(orchestrate.status()))
        return 0
    # One `up` or `down` at a time: two of them would unpack packages under each other's adapters.
    paths.STATE.mkdir(parents=True, exist_ok=True)
    with (paths.STATE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if args.action == "up":
            orchestrate.up()
        elif args.action == "restart-api":
            orchestrate.restart_api()
        else:
            orchestrate.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
