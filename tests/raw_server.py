"""A raw-socket HTTP/1.1 server on 127.0.0.1 with no Squall code in it: it answers with exact,
scripted bytes, so the engines are tested against what servers out there send, and it counts
what the client did (the request lines it read, the most connections open at once)."""
from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field

CLOSE = b""  # a scripted answer of nothing: the server closes the connection instead
RESET = b"\0reset"  # nothing either, and the connection is reset (SO_LINGER 0), as a crashed server's is


@dataclass
class RawServer:
    """Serves scripted answers, one per request in arrival order (whatever the connection; the last
    one again once they run out), each ``delay_s`` after its request was read, one thread per
    connection. An answer ending in ``close`` closes the connection."""
    answers: list[tuple[bytes, bool]]
    delay_s: float = 0.0
    requests: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)  # each request's whole head, its header lines included
    port: int = 0
    open_peak: int = 0  # the most connections open at once

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stopped = False
        self.lock = threading.Lock()
        self.open_now = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.open_now += 1
                self.open_peak = max(self.open_peak, self.open_now)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        try:
            with connection:
                self._answer(connection)
        except OSError:
            return
        finally:
            with self.lock:
                self.open_now -= 1

    def _answer(self, connection: socket.socket) -> None:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                           if line.lower().startswith("content-length:")), 0)
            while len(buffer) < length:
                buffer += connection.recv(65536)
            buffer = buffer[length:]
            with self.lock:
                index = len(self.requests)
                self.requests.append(lines[0])
                self.heads.append(head.decode("latin-1"))
            answer, close = self.answers[min(index, len(self.answers) - 1)]
            if self.delay_s:
                time.sleep(self.delay_s)
            if answer == RESET:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if answer:
                connection.sendall(answer)
            if close or not answer:
                return

    def close(self) -> None:
        self.stopped = True
        self.listener.close()
