"""moto's server, patched (patches.py), on a loopback address only: the emulator `python -m
generator.emulator` runs, and the one the test suite's deploy harness runs in process."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import ip_address

from generator.emulator.patches import patched_moto

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000  # moto's own default, and what the README's commands name


class EmulatorError(Exception):
    """The emulator cannot start as asked (an address that is not loopback, a port in use)."""


def loopback(host: str) -> str:
    """The address to bind for HOST, which must be a loopback one: the emulator takes any credentials
    and runs whatever templates it is sent, so it must not be reachable from another machine."""
    if host == "localhost":
        return DEFAULT_HOST
    try:
        address = ip_address(host.strip("[]"))
    except ValueError:
        raise EmulatorError(f"--host {host}: not an IP address; give a loopback one such as 127.0.0.1") from None
    if not address.is_loopback:
        raise EmulatorError(
            f"--host {host}: not a loopback address; the emulator accepts any credentials, so it binds only "
            "127.0.0.0/8 or ::1")
    return str(address)


def endpoint_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def running(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> Iterator[str]:
    """moto's server, patched, on HOST:PORT (0: a free port) in a thread of this process; yields its
    endpoint URL. The socket is bound here, before the thread starts, so a port in use is an
    EmulatorError at once (moto's ThreadedMotoServer would wait forever for a server that never
    started). Leaving the context stops the server and undoes the patches."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    bind = loopback(host)
    with patched_moto():
        application = DomainDispatcherApplication(create_backend_app)
        # Bound here, not by werkzeug, which prints and exits on a port in use.
        listener = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after a stop
        try:
            listener.bind((bind, port))
            listener.listen(128)
        except OSError as error:
            listener.close()
            raise EmulatorError(f"cannot listen on {endpoint_url(bind, port)}: {error.strerror or error}") from None
        server = make_server(bind, port, application, threaded=True, request_handler=MotoRequestHandler,
                             fd=listener.fileno())
        listener.close()  # the server listens on its own duplicate of the socket
        thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
        thread.start()
        try:
            yield endpoint_url(bind, server.server_address[1])
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
