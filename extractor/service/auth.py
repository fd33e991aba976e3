"""API keys and the audit log.

A key reads `cid_<id>_<secret>`: `id` (12 hex characters) is public and finds the row, the secret
(32 random bytes) is kept only as its sha256 and compared in constant time. A key belongs to one
workspace and has one role; roles nest: admin > member > reader.

An API process trusts a key it verified for `key_cache_seconds` (1 s by default, see KeyCache):
a key revoked through another process or the command line still works there that long.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from extractor.service.db import Database
from extractor.service.tables import ApiKey, AuditEvent, Workspace, now

Role = Literal["admin", "member", "reader"]
RANK: dict[str, int] = {"reader": 0, "member": 1, "admin": 2}
PREFIX = "cid_"
CLI = "cli"  # the audit's `key_id` of what the command line did
_DUMMY = hashlib.sha256(b"").hexdigest()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, workspace_id: str, role: Role, mode: str = "auto",
               ) -> tuple[ApiKey, str]:
    """A new key (the workspace too, if new): the row and the key, shown this once."""
    if session.get(Workspace, workspace_id) is None:
        session.add(Workspace(id=workspace_id, mode=mode))
        session.flush()
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row = ApiKey(id=key_id, workspace_id=workspace_id, role=role, secret_sha256=_digest(secret))
    session.add(row)
    session.flush()
    audit(session, workspace_id, CLI, "key_create", "key", key_id)
    return row, f"{PREFIX}{key_id}_{secret}"


def verify(session: Session, presented: str) -> ApiKey | None:
    """The live key `presented` is, or None (the same work whether or not the id exists)."""
    key_id, _, secret = presented.removeprefix(PREFIX).partition("_")
    row = session.get(ApiKey, key_id) if presented.startswith(PREFIX) and secret else None
    matches = hmac.compare_digest(_digest(secret), row.secret_sha256 if row else _DUMMY)
    return row if row is not None and matches and row.revoked_at is None else None


@dataclass(frozen=True, slots=True)
class Key:
    id: str
    workspace_id: str
    role: str


class KeyCache:
    """Keys verified in the last `ttl` seconds, so that most requests skip the database. A key
    revoked elsewhere still passes here for up to `ttl` seconds; revoked through this process
    (`forget`), at once. Failed checks are never kept."""

    MAX_KEYS = 1024

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._keys: dict[str, tuple[float, Key]] = {}
        self._forgotten = 0  # a lookup that overlapped a `forget` is not kept
        self._lock = threading.Lock()

    def get(self, presented: str) -> Key | None:
        """The key if verified recently, or None (look it up: `verify`)."""
        entry = self._keys.get(presented)
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def verify(self, db: Database, presented: str) -> Key | None:
        """The live key `presented` is, from the database, or None."""
        forgotten = self._forgotten
        with db.session() as session:
            row = verify(session, presented)
        if row is None:
            return None
        key = Key(row.id, row.workspace_id, row.role)
        with self._lock:
            if self.ttl and forgotten == self._forgotten:
                if len(self._keys) >= self.MAX_KEYS:
                    self._keys.clear()
                self._keys[presented] = (time.monotonic() + self.ttl, key)
        return key

    def forget(self, key_id: str) -> None:
        """A key revoked: from now on, checked in the database again."""
        with self._lock:
            self._forgotten += 1
            self._keys = {presented: entry for presented, entry in self._keys.items()
                          if entry[1].id != key_id}


def revoke(session: Session, key_id: str, by: str = CLI, workspace_id: str | None = None,
           ) -> bool:
    """Revoke a key (only of `workspace_id` when given); False when there is no such live key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None or workspace_id not in (None, row.workspace_id):
        return False
    row.revoked_at = now()
    audit(session, row.workspace_id, by, "key_revoke", "key", key_id)
    return True


def list_keys(session: Session, workspace_id: str | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.workspace_id, ApiKey.created_at, ApiKey.id)
    if workspace_id is not None:
        query = query.where(ApiKey.workspace_id == workspace_id)
    return list(session.scalars(query))


def audit(session: Session, workspace_id: str, key_id: str, action: str, object_type: str,
          object_id: str | None, client: str | None = None) -> None:
    session.add(AuditEvent(workspace_id=workspace_id, key_id=key_id, action=action,
                           object_type=object_type, object_id=object_id, client=client))


class RateLimiter:
    """At most `per_minute` events per key in any sliding minute (per API process)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def take(self, key_id: str, count: int = 1) -> float:
        """0 when `count` events are allowed (and counted, all or none); else the seconds until
        they are (`inf` when more than a minute's budget)."""
        if count > self.per_minute:
            return math.inf
        moment = time.monotonic()
        with self._lock:
            events = self._events[key_id]
            while events and events[0] <= moment - 60:
                events.popleft()
            if len(events) + count > self.per_minute:
                return events[len(events) + count - self.per_minute - 1] + 60 - moment
            events.extend([moment] * count)
            return 0.0
