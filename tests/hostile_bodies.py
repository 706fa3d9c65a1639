"""A raw-socket server on 127.0.0.1 whose answers never end, or end far larger than they look:
``/huge`` says ``Content-Length: 4294967296`` and streams zeros, ``/endless`` sends chunks
forever, ``/bomb`` is 1 GiB of zeros gzipped to about a megabyte (``Content-Encoding: gzip``),
``/endless-head`` sends header lines forever, ``/small`` a normal 2-byte answer. Every stream stops
when the client closes, or after ``STREAM_LIMIT_S`` at the latest."""
from __future__ import annotations

import socket
import threading
import time
import zlib
from functools import cache

STREAM_LIMIT_S = 30.0
CHUNK = b"\0" * 65536


@cache
def gzip_bomb(expanded_bytes: int = 1 << 30) -> bytes:
    """``expanded_bytes`` of zeros as one gzip member (compressed a megabyte at a time)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block) for _ in range(expanded_bytes // len(block))]
    return b"".join(parts) + packer.flush()


class HostileBodies:
    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.stopped = True
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(STREAM_LIMIT_S)
        try:
            with connection:
                while True:
                    request = b""
                    while b"\r\n\r\n" not in request:
                        data = connection.recv(65536)
                        if not data:
                            return
                        request += data
                    path = request.split(b" ", 2)[1]
                    if not self._answer(connection, path):
                        return
        except OSError:
            return  # the client closed: the stream ends

    def _answer(self, connection: socket.socket, path: bytes) -> bool:
        """Answers one request; False once the connection is done."""
        until = time.monotonic() + STREAM_LIMIT_S
        if path == b"/huge":
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\n")
            while time.monotonic() < until:
                connection.sendall(CHUNK)
            return False
        if path == b"/endless":
            connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            while time.monotonic() < until:
                connection.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
            return False
        if path == b"/endless-head":
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            lines = (b"X-Filler: " + b"a" * 1000 + b"\r\n") * 64
            while time.monotonic() < until:
                connection.sendall(lines)
            return False
        if path == b"/bomb":
            body = gzip_bomb()
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\n"
                               b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            return True
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True
