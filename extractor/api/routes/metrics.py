"""GET /metrics: Prometheus's text format, for a scraper with the metrics token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST

from extractor.api.deps import SettingsDep, bearer
from extractor.errors import NotFound, Unauthorized
from extractor.service import metrics

router = APIRouter()


# Not in the OpenAPI schema: it is the operator's, not an API client's.
@router.get("/metrics", include_in_schema=False)
async def read_metrics(settings: SettingsDep, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Response:
    if not settings.metrics_token:
        raise NotFound("metrics are off: set CUSTID_METRICS_TOKEN")
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
        raise Unauthorized("/metrics needs the metrics token (CUSTID_METRICS_TOKEN)")
    return Response(await run_in_threadpool(metrics.exposition), media_type=CONTENT_TYPE_LATEST)
