"""Running the household page with uvicorn, a production ASGI server, until Ctrl-C.

The access log never holds a secret: sign-in links and calendar feeds carry theirs in the
query string, so :class:`HideQuery` writes every request's path without its query.
"""

from __future__ import annotations

import copy
import ipaddress
import logging
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from giftbalance.storage.db import Database

#: What replaces a query string in the access log.
HIDDEN = "?[query hidden]"


class HideQuery(logging.Filter):
    """A logging filter for uvicorn's access log: the request's path keeps no query string.

    uvicorn logs ``'%s - "%s %s HTTP/%s" %d'`` with the arguments (client, method, path with
    query, HTTP version, status); the path is rewritten before any handler formats it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + HIDDEN, *args[3:])
        elif "?" in str(record.msg):  # any other shape: drop queries from the whole line
            record.msg = " ".join(
                part.split("?", 1)[0] + HIDDEN if "?" in part else part
                for part in record.getMessage().split(" ")
            )
            record.args = ()
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up, with :class:`HideQuery` on the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["hide_query"] = {"()": HideQuery}
    config["handlers"]["access"]["filters"] = ["hide_query"]
    config["loggers"]["uvicorn.access"]["filters"] = ["hide_query"]
    return config


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (``port`` 0: any free port); :class:`OSError`
    when the address is taken or not this machine's."""
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((bare, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_host(host: str) -> str:
    """How ``host`` is written in a URL on this machine: a wildcard address becomes the
    loopback one, an IPv6 address gets brackets."""
    bare = host.strip("[]")
    if bare in ("0.0.0.0", ""):
        return "127.0.0.1"
    if bare == "::":
        return "[::1]"
    return f"[{bare}]" if ":" in bare else bare


def run(
    db: Database,
    sock: socket.socket,
    *,
    on_started: Callable[[], None] | None = None,
    access_log: bool = True,
) -> None:
    """Serve the household page over ``db`` on ``sock`` until Ctrl-C (or SIGTERM)."""
    import threading

    import uvicorn

    from giftbalance.web.app import create_app

    config = uvicorn.Config(
        create_app(db),
        log_config=log_config(),
        access_log=access_log,
        server_header=False,
        # Behind a reverse proxy on this machine, its X-Forwarded-Proto says whether the
        # browser came over HTTPS (then the session cookie is marked Secure).
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1,::1",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    if on_started is not None:

        def wait_then_call() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                on_started()

        threading.Thread(target=wait_then_call, daemon=True).start()
    server.run(sockets=[sock])
