"""Server-side HTTP that a hostile URL cannot turn against the server (SSRF).

Every fetch made for a URL that came from outside (dynamic registration, platform
JWKS, LTI Advantage services, Canvas REST, asset downloads) goes through
`OutboundSession`, a `requests.Session` that checks each hop before it is sent:

- a redirect may stay on the host it came from; to go elsewhere its host must match
  the session's allowed hosts (fnmatch patterns, SMARTNOTES_OUTBOUND_HOSTS unless
  the caller passes a stricter set);
- unless SMARTNOTES_OUTBOUND_ALLOW_PRIVATE is on (the embedded default, so a
  developer can reach a test platform on 127.0.0.1), no hop may reach a private,
  loopback, link-local or otherwise non-public address;
- at most MAX_REDIRECTS redirects; requests drops the Authorization header when
  a redirect leaves the host.

A refused hop raises `OutboundRefused` (a `requests.RequestException`, so existing
handlers treat it as a failed request; it is never worth retrying).
"""

import ipaddress
import re
import socket
from collections.abc import Sequence
from fnmatch import fnmatch
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

MAX_REDIRECTS = 5
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# RFC 1123 labels, an optional port: what a Canvas domain ($Canvas.api.domain) can be.
_HOSTNAME_RE = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::[0-9]{1,5})?",
    re.IGNORECASE,
)


class OutboundRefused(requests.RequestException):
    """A URL (or a redirect to it) that the server will not fetch."""


def is_hostname(value: str) -> bool:
    """True for a bare hostname (with an optional port): no scheme, path, spaces or
    separators, so it is safe inside a header, a URL or a CSP source list."""
    return len(value) <= 253 + 6 and bool(_HOSTNAME_RE.fullmatch(value))


def host_matches(host: str, patterns: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(fnmatch(host, p.strip().lower()) for p in patterns if p.strip())


def host_addresses(host: str) -> list[IpAddress]:
    """The addresses `host` resolves to (itself when it is an IP literal); [] if unknown."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def address_is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def private_allowed() -> bool:
    return bool(settings.SMARTNOTES_OUTBOUND_ALLOW_PRIVATE)


def outbound_url_check(url: str, *, hosts: Sequence[str] | None = None) -> None:
    """Refuse `url` unless it is http(s), its host matches `hosts` (when given) and,
    outside the embedded default, every address it resolves to is public."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise OutboundRefused(f"{url!r} is not an http(s) URL")
    if hosts is not None and not host_matches(host, hosts):
        raise OutboundRefused(f"the host {host!r} is not in the allowed hosts")
    if private_allowed():
        return
    addresses = host_addresses(host)
    if not addresses:
        raise OutboundRefused(f"the host {host!r} does not resolve")
    blocked = [str(a) for a in addresses if not address_is_public(a)]
    if blocked:
        raise OutboundRefused(
            f"the host {host!r} resolves to a non-public address ({', '.join(blocked)})"
        )


class OutboundSession(requests.Session):
    """A requests session whose every hop passes `outbound_url_check`."""

    def __init__(self, *, redirect_hosts: Sequence[str] | None = None) -> None:
        super().__init__()
        self.max_redirects = MAX_REDIRECTS
        self._redirect_hosts = redirect_hosts

    def _allowed_redirect_hosts(self) -> Sequence[str]:
        if self._redirect_hosts is not None:
            return self._redirect_hosts
        return list(settings.SMARTNOTES_OUTBOUND_HOSTS)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        outbound_url_check(str(request.url))
        return super().send(request, **kwargs)

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        # Called by resolve_redirects for each redirect, before the hop is sent.
        new_host = (urlsplit(str(prepared_request.url)).hostname or "").lower()
        old_host = (urlsplit(response.url).hostname or "").lower()
        if new_host != old_host:
            try:
                outbound_url_check(str(prepared_request.url), hosts=self._allowed_redirect_hosts())
            except OutboundRefused as exc:
                raise OutboundRefused(f"redirect from {old_host!r} refused: {exc}") from exc
        super().rebuild_auth(prepared_request, response)
