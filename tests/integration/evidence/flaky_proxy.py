"""A TCP proxy in front of the S3 test server that can be switched off or made to cut answers mid-stream.

The store is reached through it like through a real network: an outage is a refused or dropped connection,
not a patched function.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class FlakyProxy:
    """Forwards 127.0.0.1:<port> to a target; `down()` drops every connection, `cut_after(n)` truncates answers."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode = "up"
        self.budget = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        """Serve normally again (connections opened in another mode are dropped, as after a network change)."""
        self._drop_all()
        self.mode = "up"

    def down(self) -> None:
        """Refuse service: new connections are dropped at once, open ones are cut."""
        self.mode = "down"
        self._drop_all()

    def cut_after(self, budget: int) -> None:
        """New connections forward at most `budget` bytes of the answer, then drop (a store dying mid-read)."""
        self._drop_all()
        self.mode, self.budget = "cut", budget

    def close(self) -> None:
        self._closed = True
        self._drop_all()
        self.listener.close()
        self._thread.join(timeout=5)

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if self.mode == "down":
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            budget = self.budget if self.mode == "cut" else None
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, budget), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, budget: int | None) -> None:
        sent = 0
        try:
            while data := source.recv(65536):
                if budget is not None and sent + len(data) > budget:
                    sink.sendall(data[: budget - sent])
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._sockets.discard(source)
        source.close()  # each socket is read by exactly one pump, which closes it
