"""Webhook targets: the allow-list, and no private or loopback address unless listed."""

from __future__ import annotations

import pytest

from extractor.errors import WebhookRefused
from extractor.service.webhook import check


@pytest.mark.parametrize(("url", "allow"), [
    ("http://127.0.0.1:9000/hook", ["127.0.0.1"]),
    ("http://10.1.2.3/hook", ["10.0.0.0/8"]),
    ("https://[::1]/hook", ["::1"]),
])
def test_listed_addresses_are_allowed(url: str, allow: list[str]) -> None:
    check(url, allow)


@pytest.mark.parametrize(("url", "allow"), [
    ("http://127.0.0.1/hook", []),  # default: no webhooks at all
    ("http://127.0.0.1/hook", ["*"]),  # a wildcard never opens private addresses
    ("http://localhost/hook", ["localhost"]),  # a name that resolves to loopback
    ("http://localhost/hook", ["*.example.com"]),
    ("ftp://example.com/hook", ["*"]),
    ("http://192.168.1.5/hook", ["10.0.0.0/8"]),
])
def test_other_targets_are_refused(url: str, allow: list[str]) -> None:
    with pytest.raises(WebhookRefused):
        check(url, allow)
