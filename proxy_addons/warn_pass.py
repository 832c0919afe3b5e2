"""The "continue" link of a warning page: signed for one employee and one host, valid for a short time."""

from __future__ import annotations

import hashlib
import hmac

from proxy_addons.url_params import take_param, with_param

PARAM = "smedi_lanjut"
LINK_SECONDS = 600  # the link on the page works for ten minutes
CONTINUE_SECONDS = 3600  # after continuing, the site is not warned about again for an hour


def sign(secret: bytes, employee_id: int, host: str, expires: int) -> str:
    mac = hmac.new(secret, f"{employee_id}|{host}|{expires}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{expires}.{mac}"


def verify(secret: bytes, token: str, employee_id: int, host: str, now: float) -> bool:
    expires_text, _, _ = token.partition(".")
    if not expires_text.isdigit() or int(expires_text) < now:
        return False
    return hmac.compare_digest(token, sign(secret, employee_id, host, int(expires_text)))


def with_token(url: str, token: str) -> str:
    return with_param(url, PARAM, token)


def take_token(url: str) -> tuple[str, str | None]:
    """(the URL without our parameter, the token if there was one)."""
    return take_param(url, PARAM)
