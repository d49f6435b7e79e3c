"""Binding and serving: the socket is bound first (so ``--port 0`` picks a free port and the
address printed is the real one), then uvicorn serves the app on it until Ctrl-C or SIGTERM."""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote

from ..errors import ConfigError
from .config import StudioConfig


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def address(config: StudioConfig) -> str:
    host = f"[{config.host}]" if ":" in config.host else config.host
    token = f"?token={quote(config.token)}" if config.token else ""
    return f"http://{host}:{config.port}/{token}"


def serve(config: StudioConfig, *, open_browser: bool = False, say: Callable[[str], object] = print) -> None:
    """Check the config, bind, print the address, serve until stopped."""
    import uvicorn

    from .app import create_app

    config.check()
    sock = bind(config.host, config.port)
    config = replace(config, port=sock.getsockname()[1])
    try:
        app = create_app(config)
        url = address(config)
        say(f"bulletin studio: {url}")
        if open_browser:
            threading.Timer(0.5, webbrowser.open, args=(url,)).start()
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn stopped gracefully on Ctrl-C or SIGTERM, then passed the signal on
    finally:
        sock.close()
    say("bulletin studio: stopped")
