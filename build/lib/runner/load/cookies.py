"""A cookie jar per virtual user, as Artillery and Locust keep one: what a response sets is
sent back on that user's later requests (a login's session), never on another user's.

A jar per scenario run in the open model, per user in the closed model. Kept simple, as one
target is one site: cookies by name; Max-Age <= 0 or an Expires in the past deletes one.
"""
from __future__ import annotations

import time
from email.utils import parsedate_to_datetime


class CookieJar:
    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def take(self, set_cookies: list[str], now_epoch_s: float | None = None) -> None:
        for line in set_cookies:
            first, *attributes = line.split(";")
            name, sep, value = first.partition("=")
            name = name.strip()
            if not sep or not name:
                continue
            if _expired(attributes, now_epoch_s):
                self.values.pop(name, None)
            else:
                self.values[name] = value.strip()

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.values.items())


def _expired(attributes: list[str], now_epoch_s: float | None) -> bool:
    for attribute in attributes:
        key, _, value = attribute.strip().partition("=")
        key = key.lower()
        if key == "max-age":
            try:
                return int(value) <= 0
            except ValueError:
                continue
        if key == "expires":
            try:
                expires = parsedate_to_datetime(value.strip()).timestamp()
            except (TypeError, ValueError, IndexError):
                continue
            return expires <= (time.time() if now_epoch_s is None else now_epoch_s)
    return False
