"""An engine on aiohttp's client: kept to compare against ``fast`` in the benchmark."""
from __future__ import annotations

import aiohttp
import yarl

from runner.load.engines.base import (
    BODY_TOO_LARGE,
    DEFAULT_MAX_BODY_BYTES,
    INVALID_URL,
    Reply,
    classify_exception,
    error_reply,
    read_bounded,
    sendable_origin,
    split_target,
)
from runner.load.engines.gate import ConnectionGate


class AiohttpEngine:
    def __init__(self, timeout_s: float, verify_tls: bool = True, max_connections: int = 1024,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self._timeout_s = timeout_s
        self._max_body_bytes = max_body_bytes  # decompressed: aiohttp decodes gzip and deflate as it reads
        self._verify = verify_tls
        self._session: aiohttp.ClientSession | None = None
        self._gate = ConnectionGate(max_connections)  # the cap, per origin, its queue measured

    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,
                   timeout_s: float | None = None) -> Reply:
        prefix, target = split_target(url)  # encoded as every engine sends it; yarl must not redo it
        limit_s = timeout_s or self._timeout_s
        try:
            yarl.URL(prefix + target, encoded=True)
            if not sendable_origin(prefix):
                raise ValueError(prefix)
        except (ValueError, TypeError):  # an engine never raises for a request
            return error_reply(INVALID_URL)
        return await self._gate.send(prefix, limit_s, lambda send_timeout_s: self._send(
            method, prefix + target, headers, body, send_timeout_s))

    async def _send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,
                    limit_s: float) -> Reply:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, ssl=True if self._verify else False)
            # cookies belong to each virtual user (runner.load.flow), never to the shared session
            self._session = aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent",),
                                                  cookie_jar=aiohttp.DummyCookieJar())
        bytes_out = len(body or b"") + sum(len(k) + len(v) + 4 for k, v in headers) + len(url) + 16
        try:
            async with self._session.request(method, yarl.URL(url, encoded=True), headers=headers, data=body,
                                             allow_redirects=False, timeout=aiohttp.ClientTimeout(total=limit_s)) \
                    as response:
                body_in = await read_bounded(response.content.iter_chunked(1 << 16), self._max_body_bytes)
                headers_in = [(k.lower(), v) for k, v in response.headers.items()]
                if body_in is None:
                    response.close()  # the rest is never read: the connection goes with it
        except TimeoutError:
            return error_reply("timeout", bytes_out)
        except aiohttp.ClientConnectorError as error:
            kind = classify_exception(error)
            return error_reply("connect" if kind == "read" else kind, 0)
        except (aiohttp.ClientError, OSError) as error:
            kind = classify_exception(error)
            return error_reply(kind, 0 if kind in ("connect", "dns", "tls") else bytes_out)
        bytes_in = (len(body_in) if body_in is not None else self._max_body_bytes) + \
            sum(len(k) + len(v) + 4 for k, v in headers_in) + 17
        if body_in is None:
            return Reply(response.status, headers_in, b"", BODY_TOO_LARGE, bytes_in, bytes_out)
        return Reply(response.status, headers_in, body_in, None, bytes_in, bytes_out)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
