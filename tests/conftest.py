"""Shared fixtures: the real services scripts/test.sh started, and a configured extractor."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractor.pipeline import Extractor
from extractor.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "docs"


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor(Settings())


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("CUSTID_TEST_REDIS_URL")
    if not url:
        pytest.fail("CUSTID_TEST_REDIS_URL is not set: run the suite with scripts/test.sh")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("CUSTID_TEST_DATABASE_URL")
    if not url:
        pytest.fail("CUSTID_TEST_DATABASE_URL is not set: run the suite with scripts/test.sh")
    return url
