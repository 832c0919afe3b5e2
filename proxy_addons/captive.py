"""Operating systems' captive-portal probes, and the answers they expect once the network lets them out.

Before sign-in every probe is redirected to the portal, which makes the device open its own "sign in
to network" window; after sign-in the proxy answers a probe itself with the expected body, so the
device sees a working network even where the real probe servers are unreachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    content_type: str


NO_CONTENT = Answer(204, b"", "text/plain")
APPLE_SUCCESS = Answer(
    200, b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>", "text/html"
)
# host → {path: answer}; "*" stands for any path on that host.
PROBES: dict[str, dict[str, Answer]] = {
    # Android, ChromeOS and Chrome
    "connectivitycheck.gstatic.com": {"/generate_204": NO_CONTENT, "/gen_204": NO_CONTENT},
    "connectivitycheck.android.com": {"/generate_204": NO_CONTENT, "/gen_204": NO_CONTENT},
    "clients3.google.com": {"/generate_204": NO_CONTENT},
    "clients1.google.com": {"/generate_204": NO_CONTENT},
    "www.google.com": {"/generate_204": NO_CONTENT, "/gen_204": NO_CONTENT},
    "play.googleapis.com": {"/generate_204": NO_CONTENT},
    # Apple iOS and macOS
    "captive.apple.com": {"*": APPLE_SUCCESS},
    "www.apple.com": {"/library/test/success.html": APPLE_SUCCESS},
    # Windows (NCSI)
    "www.msftconnecttest.com": {"/connecttest.txt": Answer(200, b"Microsoft Connect Test", "text/plain")},
    "ipv6.msftconnecttest.com": {"/connecttest.txt": Answer(200, b"Microsoft Connect Test", "text/plain")},
    "www.msftncsi.com": {"/ncsi.txt": Answer(200, b"Microsoft NCSI", "text/plain")},
    # Firefox
    "detectportal.firefox.com": {
        "/success.txt": Answer(200, b"success\n", "text/plain"),
        "/canonical.html": Answer(
            200,
            b'<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>',
            "text/html",
        ),
    },
}


def probe_answer(host: str, path: str) -> Answer | None:
    """The answer a probe expects when the network is open, or None when this is not a probe."""
    paths = PROBES.get(host)
    if paths is None:
        return None
    return paths.get(path.split("?", 1)[0]) or paths.get("*")


def sign_in_url(portal_url: str, next_url: str) -> str:
    """The portal's sign-in page, told where the employee was going."""
    return f"{portal_url.rstrip('/')}/masuk?next={quote(next_url, safe='')}"
