"""Fault injection: TCP forwarders in front of the upload API's DynamoDB and KMS, and a switch
the dev issuer's JWKS endpoint obeys, each flipped over HTTP on loopback.

`python -m stack.faults serve --config build/stack/faults.json` runs one forwarder per entry
of the config (`{"port": <control port>, "forwarders": {"dynamodb": {"listen": 4585,
"upstream": "http://127.0.0.1:4567"}, ...}}`) and the control endpoint:

    GET /_faults                      -> {"dynamodb": {"mode": "pass", ...}, ...}
    PUT /_faults/<name> {"mode": "hang"} -> 200 {"name": ..., "mode": "hang"} once applied

Modes of a forwarder:
  pass    relay bytes both ways to the upstream (what the function sees normally)
  refuse  the listening socket is closed: a connect gets ECONNREFUSED, as from a stopped
          process on that port; open connections are closed
  hang    connections are accepted and read, and never answered (a dependency that hangs)
Every mode change closes the connections open at that moment, so a client's pooled
keep-alive connection cannot carry on past a fault, nor a hung one past its end. A GET
reports the connections a forwarder accepted in each mode (`accepted`) and the requests a
switch held (`held`), so that a test can tell a fault was actually met, not just set.

The issuer (stack/issuer.py) serves the same control shape for its own switch `jwks`
(`pass`, `hang`) on its port. Every server here binds 127.0.0.1 and answers control requests
from loopback clients only. `python -m stack.faults set <name> <mode>` flips one by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import logging
import socket
import sys
import threading
import urllib.request
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from stack import paths
from stack.httpbase import HttpRequest, HttpResponse, json_response, load_config, serve

log = logging.getLogger("stack")

PASS, REFUSE, HANG = "pass", "refuse", "hang"
FORWARDER_MODES = (PASS, REFUSE, HANG)
CONTROL_PREFIX = "/_faults"
ACCEPT_POLL_SECONDS = 0.1
UPSTREAM_CONNECT_SECONDS = 2.0
CHUNK = 64 * 1024


class Faultable(Protocol):
    """Anything with a mode the control endpoint can read and set."""

    modes: tuple[str, ...]

    @property
    def mode(self) -> str: ...

    def set_mode(self, mode: str) -> None: ...

    def describe(self) -> dict[str, Any]: ...


class Switch:
    """A mode that request threads can read, and wait on while it holds."""

    def __init__(self, modes: tuple[str, ...] = (PASS, HANG), initial: str = PASS) -> None:
        self.modes = modes
        self._mode = initial
        self._changed = threading.Condition()
        self._held = 0  # waits begun while in a mode (requests held), for tests to see the fault bite

    @property
    def mode(self) -> str:
        with self._changed:
            return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in self.modes:
            raise ValueError(f"mode must be one of {', '.join(self.modes)}")
        with self._changed:
            self._mode = mode
            self._changed.notify_all()

    def wait_while(self, mode: str, timeout: float) -> bool:
        """Block while the switch is in `mode`; False if it still is after `timeout` seconds."""
        with self._changed:
            if self._mode == mode:
                self._held += 1
            return self._changed.wait_for(lambda: self._mode != mode, timeout)

    def describe(self) -> dict[str, Any]:
        with self._changed:
            return {"mode": self._mode, "modes": list(self.modes), "held": self._held}


def _close(sock: socket.socket) -> None:
    # shutdown() first: close() alone does not wake a thread blocked in recv() on that socket.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def host_port(url: str) -> tuple[str, int]:
    """(host, port) of an http:// endpoint URL; the forwarder relays bytes, it cannot do TLS."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"a forwarder needs a plain http:// upstream, not {url!r}")
    return parts.hostname, parts.port or 80


class Forwarder:
    """One loopback port relaying to an upstream, or refusing, or hanging (see the module doc)."""

    modes = FORWARDER_MODES

    def __init__(self, name: str, listen: tuple[str, int], upstream: tuple[str, int]) -> None:
        self.name = name
        self.upstream = upstream
        self._address = listen
        self._lock = threading.Lock()
        self._mode = PASS
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._stop_accepting = threading.Event()
        self._connections: set[socket.socket] = set()
        # Connections accepted in each mode since start: shows a fault was actually met.
        self._accepted = dict.fromkeys((PASS, HANG), 0)

    @property
    def mode(self) -> str:
        with self._lock:
            return self._mode

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the port chosen by the OS if it was asked for port 0)."""
        return self._address

    @property
    def endpoint(self) -> str:
        return f"http://{self._address[0]}:{self._address[1]}"

    def start(self) -> Forwarder:
        with self._lock:
            self._listen()
        return self

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(self._address)
        listener.listen(128)
        listener.settimeout(ACCEPT_POLL_SECONDS)
        self._address = listener.getsockname()[:2]
        self._listener = listener
        self._stop_accepting = threading.Event()
        self._acceptor = threading.Thread(
            target=self._accept_loop, args=(listener, self._stop_accepting), name=f"{self.name}-accept", daemon=True
        )
        self._acceptor.start()

    def _unlisten(self) -> None:
        self._stop_accepting.set()
        if self._acceptor is not None:
            self._acceptor.join()
        if self._listener is not None:
            self._listener.close()
        self._listener = self._acceptor = None

    def set_mode(self, mode: str) -> None:
        """Apply `mode`; when this returns, new connections already see it."""
        if mode not in self.modes:
            raise ValueError(f"mode must be one of {', '.join(self.modes)}")
        with self._lock:
            previous, self._mode = self._mode, mode
            if mode == REFUSE and self._listener is not None:
                self._unlisten()
            self._drop_connections()
            if previous == REFUSE and mode != REFUSE and self._listener is None:
                self._listen()
        if mode != previous:
            log.info("fault %s: %s -> %s", self.name, previous, mode)

    def _drop_connections(self) -> None:
        for sock in list(self._connections):
            _close(sock)
        self._connections.clear()

    def close(self) -> None:
        with self._lock:
            self._unlisten()
            self._drop_connections()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            mode, accepted = self._mode, dict(self._accepted)
        return {
            "mode": mode,
            "modes": list(self.modes),
            "listen": self.endpoint,
            "upstream": f"http://{self.upstream[0]}:{self.upstream[1]}",
            "accepted": accepted,
        }

    def _accept_loop(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self._serve, args=(client,), name=f"{self.name}-conn", daemon=True).start()

    def _forget(self, *socks: socket.socket) -> None:
        with self._lock:
            self._connections.difference_update(socks)
        for sock in socks:
            _close(sock)

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            mode = self._mode
            if mode != REFUSE:
                self._connections.add(client)
                self._accepted[mode] += 1
        if mode == REFUSE:  # accepted just before the listener closed
            _close(client)
        elif mode == HANG:
            self._swallow(client)
        else:
            self._relay(client)

    def _swallow(self, client: socket.socket) -> None:
        """Read and discard until the peer or a mode change closes the connection: never answer."""
        try:
            while client.recv(CHUNK):
                pass
        except OSError:
            pass
        finally:
            self._forget(client)

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=UPSTREAM_CONNECT_SECONDS)
        except OSError:
            self._forget(client)  # the emulator behind is down: the client sees its connection closed
            return
        upstream.settimeout(None)
        with self._lock:
            if client not in self._connections:  # a mode change closed the client meanwhile
                alive = False
            else:
                self._connections.add(upstream)
                alive = True
        if not alive:
            _close(upstream)
            return
        back = threading.Thread(target=self._pump, args=(upstream, client), name=f"{self.name}-back", daemon=True)
        back.start()
        self._pump(client, upstream)
        back.join()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(CHUNK):
                target.sendall(data)
        except OSError:
            pass
        finally:
            # Either side ending ends the connection (HTTP clients do not half-close).
            self._forget(source, target)


def _loopback(client_ip: str) -> bool:
    try:
        return ipaddress.ip_address(client_ip).is_loopback
    except ValueError:
        return False


class ControlApp:
    """The HTTP control endpoint over named faultables (see the module doc)."""

    def __init__(self, targets: Mapping[str, Faultable]) -> None:
        self.targets = dict(targets)

    def handles(self, request: HttpRequest) -> bool:
        path = request.target.split("?", 1)[0]
        return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _loopback(request.client_ip):
            return json_response(403, {"message": "fault control answers loopback clients only"})
        path = request.target.split("?", 1)[0].rstrip("/")
        if path != CONTROL_PREFIX:
            return self._one(path.removeprefix(CONTROL_PREFIX + "/"), request)
        if request.method != "GET":
            return json_response(405, {"message": "GET the faults, PUT one"}, [("Allow", "GET")])
        return json_response(200, {name: target.describe() for name, target in self.targets.items()})

    def _one(self, name: str, request: HttpRequest) -> HttpResponse:
        target = self.targets.get(name)
        if target is None:
            return json_response(404, {"message": f"no fault named {name!r}", "faults": sorted(self.targets)})
        if request.method == "PUT":
            try:
                target.set_mode(json.loads(request.body)["mode"])
            except (ValueError, KeyError, TypeError):
                return json_response(400, {"message": f'send {{"mode": ...}} with one of {", ".join(target.modes)}'})
        elif request.method != "GET":
            return json_response(405, {"message": "GET or PUT"}, [("Allow", "GET, PUT")])
        return json_response(200, {"name": name, **target.describe()})


def forwarders_from_config(config: dict[str, Any], host: str = paths.HOST) -> list[Forwarder]:
    return [
        Forwarder(name, (host, int(entry["listen"])), host_port(entry["upstream"]))
        for name, entry in config.get("forwarders", {}).items()
    ]


def set_mode(url: str, mode: str, timeout: float = 10) -> dict[str, Any]:
    """PUT a mode to a fault's control URL; the answer once it is applied."""
    request = urllib.request.Request(
        url, data=json.dumps({"mode": mode}).encode(), method="PUT", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        result: dict[str, Any] = json.load(response)
    return result


def control_urls() -> dict[str, str]:
    """The running stack's control URL of each fault (build/stack/state.json)."""
    state = json.loads((paths.STATE / "state.json").read_text())
    urls: dict[str, str] = state["faults"]
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the forwarders and their control endpoint")
    serve_parser.add_argument("--config", required=True)
    set_parser = commands.add_parser("set", help="set a fault of the running stack")
    set_parser.add_argument("name")
    set_parser.add_argument("mode")
    commands.add_parser("show", help="the running stack's faults")
    args = parser.parse_args(argv)
    if args.command == "serve":
        config = load_config(args.config)
        forwarders = [forwarder.start() for forwarder in forwarders_from_config(config)]
        try:
            serve((paths.HOST, int(config["port"])), ControlApp({f.name: f for f in forwarders}), "faults")
        finally:
            for forwarder in forwarders:
                forwarder.close()
        return 0
    urls = control_urls()
    if args.command == "show":
        result = {name: json.load(urllib.request.urlopen(url, timeout=10)) for name, url in urls.items()}
        print(json.dumps(result, indent=2))
        return 0
    if args.name not in urls:
        parser.error(f"no fault named {args.name!r}; the stack has {', '.join(sorted(urls))}")
    print(json.dumps(set_mode(urls[args.name], args.mode)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
