"""A virtual user's cookie jar."""
from __future__ import annotations

from runner.load.cookies import CookieJar


def test_set_cookie_is_kept_by_name_and_sent_back_together() -> None:
    jar = CookieJar()
    jar.take(["session=abc; Path=/; HttpOnly", "theme=dark=blue; Max-Age=3600", "junk"])
    assert jar.header() == "session=abc; theme=dark=blue"
    jar.take(["session=def"])
    assert jar.values == {"session": "def", "theme": "dark=blue"}


def test_a_cookie_that_expires_or_has_max_age_0_is_deleted() -> None:
    jar = CookieJar()
    jar.take(["a=1", "b=2", "c=3"])
    jar.take(["a=; Max-Age=0", "b=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
              "c=4; Expires=Fri, 01 Jan 2100 00:00:00 GMT"], now_epoch_s=1_800_000_000)
    assert jar.values == {"c": "4"}
