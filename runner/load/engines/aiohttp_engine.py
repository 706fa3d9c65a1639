"""An engine on aiohttp's client: kept to compare against ``fast`` in the benchmark."""
from __future__ import annotations

import aiohttp
import yarl

from runner.load.engines.base import Reply, classify_exception, error_reply, split_target


class AiohttpEngine:
    def __init__(self, timeout_s: float, verify_tls: bool = True) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._verify = verify_tls
        self._session: aiohttp.ClientSession | None = None

    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,
                   timeout_s: float | None = None) -> Reply:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, ssl=True if self._verify else False)
            # cookies belong to each virtual user (runner.load.flow), never to the shared session
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout,
                                                  skip_auto_headers=("User-Agent",),
                                                  cookie_jar=aiohttp.DummyCookieJar())
        bytes_out = len(body or b"") + sum(len(k) + len(v) + 4 for k, v in headers) + len(url) + 16
        try:
            prefix, target = split_target(url)  # encoded as every engine sends it; yarl must not redo it
            limit = aiohttp.ClientTimeout(total=timeout_s) if timeout_s else self._timeout
            async with self._session.request(method, yarl.URL(prefix + target, encoded=True), headers=headers, data=body,
                                             allow_redirects=False, timeout=limit) as response:
                body_in = await response.read()
                headers_in = [(k.lower(), v) for k, v in response.headers.items()]
        except TimeoutError:
            return error_reply("timeout", bytes_out)
        except aiohttp.ClientConnectorError as error:
            kind = classify_exception(error)
            return error_reply("connect" if kind == "read" else kind, 0)
        except (aiohttp.ClientError, OSError) as error:
            kind = classify_exception(error)
            return error_reply(kind, 0 if kind in ("connect", "dns", "tls") else bytes_out)
        bytes_in = len(body_in) + sum(len(k) + len(v) + 4 for k, v in headers_in) + 17
        return Reply(response.status, headers_in, body_in, None, bytes_in, bytes_out)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
