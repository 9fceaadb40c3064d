"""What a reader may see of a webhook URL, and which of its parts may hold a token.

At the bottom of the package (it imports nothing of rehearsal): the models show a notify's
target with it, and the redactor masks the hidden parts wherever they are written.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

URL_MASK = "…redacted…"
TOKEN_LENGTH = 16
"""A piece of a webhook URL this long is masked even on its own (a token printed alone);
shorter ones ("hooks", "v1") are ordinary words, masked only as part of the URL."""


def shown_url(url: str) -> str:
    """What a reader is shown of a webhook: scheme, host and port, and a mask for the rest
    when there is a rest (``https://hooks.example.com/…redacted…``)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    hidden = "@" in parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment
    return f"{parts.scheme}://{host}" + (f"/{URL_MASK}" if hidden else parts.path)


def url_secrets(url: str) -> list[str]:
    """The parts of a webhook URL a token may be in, as they may show up without the URL:
    everything after the host, the query, the fragment, the userinfo, and every path
    segment, query value or credential long enough to be a token."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    tail = url[url.find("//") + 2 + len(parts.netloc) :]
    whole = [tail if tail != "/" else "", parts.query, parts.fragment, userinfo]
    pieces = [*parts.path.split("/"), *(v for _, v in parse_qsl(parts.query)), *userinfo.split(":")]
    return [p for p in whole if p] + [p for p in pieces if len(p) >= TOKEN_LENGTH]
