"""The web page: `/` is extractor/api/web/index.html (package data); its scripts and styles
are under /web."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from extractor.api.limits import SECURITY_HEADERS

FOLDER = Path(__file__).resolve().parent.parent / "web"

router = APIRouter(include_in_schema=False)
assets = StaticFiles(directory=FOLDER)


@router.get("/")
def page() -> FileResponse:
    return FileResponse(FOLDER / "index.html", media_type="text/html", headers=SECURITY_HEADERS)
