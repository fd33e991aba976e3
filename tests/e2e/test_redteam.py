"""The breaks of the red-team pass (issue 24) that need real processes: the API under uvicorn as
serve starts it, and serve itself."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from extractor.service.serve import api_command, free_port
from tests.conftest import new_key
from tests.processes import stop_all, wait

FORGED = "203.0.113.9"  # what a local client claims to be


@pytest.mark.parametrize("trusted", [(), ("127.0.0.1",)])
def test_audit_records_the_peer_unless_its_proxy_is_trusted(tmp_path: Path,
                                                            trusted: tuple[str, ...]) -> None:
    url = f"sqlite:///{tmp_path / 'custid.db'}"
    env = {**os.environ, "DATABASE_URL": url, "CUSTID_DATA_DIR": str(tmp_path / "data"),
           "CUSTID_SWEEP_INTERVAL": "0"}
    port = free_port()
    api = subprocess.Popen(api_command("127.0.0.1", port, trusted_proxies=trusted), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: httpx.get(f"{base}/healthz").status_code == 200, 30)
        with httpx.Client(base_url=base, headers=new_key(url)) as client:
            account = client.post("/v1/accounts", json={"issuer": "Acme", "number": "A-991"})
            client.get(f"/v1/accounts/{account.json()['id']}", params={"reveal": True},
                       headers={"X-Forwarded-For": FORGED})
            [reveal] = [event for event in client.get("/v1/audit").json()["items"]
                        if event["action"] == "reveal"]
    finally:
        stop_all([api])
    assert reveal["client"] == (FORGED if trusted else "127.0.0.1")
