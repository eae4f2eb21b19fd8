"""A TCP relay: a port of the test's own that pipes every connection to a server.

Passkeys are bound to a domain name (browsers refuse an IP address as the relying
party) and to an exact origin, port included, which the server must know when it
starts (``TICKETBOOTH_PUBLIC_URL``), before it has said where it listens.  The relay
turns that round: it takes a port from the kernel first (race-free, as tests/servers.py
does), the server starts with ``http://localhost:<relay port>`` as its public URL, and
the browser opens that address, the relay standing where a deployment's proxy would.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class Relay:
    """Listens on ``127.0.0.1`` (a port the kernel picks); :meth:`start` pipes to a target."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._target: tuple[str, int] | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        """Pipe every connection to ``target_host:target_port`` from now on."""
        self._target = (target_host, target_port)
        threading.Thread(target=self._accept, name="relay-accept", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            assert self._target is not None
            try:
                upstream = socket.create_connection(self._target, timeout=30)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        """Stop listening and cut every open connection."""
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
