"""Webhooks: only to allowed hosts; private and loopback addresses only when listed as such."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from extractor.errors import WebhookFailed, WebhookRefused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(entry: str) -> Network | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None


def _name_allowed(host: str, names: list[str]) -> bool:
    return any(n == "*" or n == host or (n.startswith("*.") and host.endswith(n[1:]))
               for n in names)


def _addresses(host: str, port: int) -> set[Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise WebhookRefused(f"cannot resolve {host}: {exc.strerror}") from exc
    # str: only a Python built without IPv6 gives an address as an int (which fails to parse)
    return {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}


def check(url: str, allow: list[str]) -> None:
    """Raise WebhookRefused unless the settings allow calling `url` now (host resolved)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookRefused("a webhook must be an http or https URL")
    networks = [n for n in map(_network, allow) if n is not None]
    names = [e.lower() for e in allow if _network(e) is None]
    literal = _network(host)
    if literal is None and not _name_allowed(host, names):
        raise WebhookRefused(f"{host} is not in the webhook allow-list")
    addresses = ({literal.network_address} if literal is not None
                 else _addresses(host, parts.port or (443 if parts.scheme == "https" else 80)))
    for address in addresses:
        listed = any(address in network for network in networks)
        if not listed and not (address.is_global and literal is None):
            raise WebhookRefused(f"{host} resolves to {address}, which is not allowed")


def send(url: str, payload: dict[str, Any], allow: list[str], timeout: float) -> None:
    """POST the payload; WebhookFailed when a retry may help, WebhookRefused when not."""
    check(url, allow)
    try:
        response = httpx.post(url, json=payload, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise WebhookFailed(f"{url}: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise WebhookFailed(f"{url} answered {response.status_code}")
