"""The breaks of the red-team pass (issue 24) that need real processes: the API under uvicorn as
serve starts it, and serve itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import redis

from extractor.service.serve import SERVE_FILE, api_command, free_port
from tests.conftest import new_key
from tests.e2e.test_recover import BILLS, bill
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


def test_serve_keeps_its_files_and_redis_to_its_owner(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    env = {name: value for name, value in os.environ.items()
           if name not in ("DATABASE_URL", "REDIS_URL")} | {"CUSTID_DATA_DIR": str(data)}
    serve = subprocess.Popen([str(Path(sys.executable).parent / "custid"), "serve", "--port",
                              str(port), "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: httpx.get(f"{base}/readyz").json()["checks"].get("workers") == "1", 90)
        with httpx.Client(base_url=base, headers=new_key(f"sqlite:///{data / 'custid.db'}"),
                          ) as client:
            document = client.post("/v1/documents", files=[("file", ("bill.pdf",
                                                                     bill(*BILLS[0])))]).json()
            wait(lambda: client.get(f"/v1/documents/{document['id']}").json()["status"]
                 == "done", 60)
        broker = json.loads((data / SERVE_FILE).read_text())["redis_url"]
        files = {path.name: path for path in data.iterdir() if path.is_file()}
        [files["original"]] = data.glob("originals/*/*")
        modes = {name: oct(path.stat().st_mode & 0o777)
                 for name, path in {**files, "data": data}.items()}
        with pytest.raises(redis.AuthenticationError):  # no password: refused
            redis.Redis(port=urlsplit(broker).port or 0).ping()
        assert redis.Redis.from_url(broker).ping()
    finally:
        stop_all([serve])
    assert modes == {"data": "0o700", "custid.db": "0o600", "custid.db-wal": "0o600",
                     "custid.db-shm": "0o600", "original": "0o400", "redis.conf": "0o600",
                     SERVE_FILE: "0o600"}
