"""All configuration in one place, read from the environment (prefix CUSTID_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_PATTERNS = Path(__file__).resolve().parent.parent / "patterns"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTID_", extra="ignore")

    patterns_dir: Path = Field(PROJECT_PATTERNS, description="Directory of YAML pattern packs")
    min_confidence: float = Field(0.5, ge=0, le=1, description="Findings below are not reported")
    max_file_bytes: int = Field(200 * 1024 * 1024, description="Larger inputs fail as too_large")
    max_pages: int = Field(500, description="Documents with more pages fail as too_large")
    max_page_points: float = Field(14400, description="Largest page side in PDF points (200 in)")


@lru_cache
def get_settings() -> Settings:
    return Settings()
