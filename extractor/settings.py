"""All configuration in one place, read from the environment (prefix CUSTID_)."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_data_path
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The package `extractor.patterns` is the top-level patterns/ folder in a checkout (an editable
# install maps it there) and its copy in an installed wheel; both are folders on disk.
PROJECT_PATTERNS = Path(str(files("extractor.patterns")))
OcrMode = Literal["auto", "full", "off"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTID_", extra="ignore", populate_by_name=True)

    patterns_dir: Path = Field(PROJECT_PATTERNS, description="Directory of YAML pattern packs")
    min_confidence: float = Field(0.5, ge=0, le=1, description="Findings below are not reported")
    max_file_bytes: int = Field(200 * 1024 * 1024, description="Larger inputs fail as too_large")
    max_pages: int = Field(500, description="Documents with more pages fail as too_large")
    max_page_points: float = Field(14400, description="Largest page side in PDF points (200 in)")
    max_email_parts: int = Field(200, ge=1, description="MIME parts read of an email; the rest "
                                 "is skipped with an error")
    max_email_depth: int = Field(10, ge=1, description="Deepest MIME nesting read of an email")

    imap_ca_file: str | None = Field(None, description="Certificates (PEM) an IMAP server's is "
                                     "verified against; default: the system's")

    # OCR of scans, photos and images (Tesseract)
    ocr: OcrMode = Field("auto", description="auto: quick looks at the top of page 1, then "
                         "the rest, close reads only around labels without a confident value, "
                         "other pages when page 1 is not enough; full: every page whole; off: "
                         "text layers only")
    ocr_languages: str = Field("eng+deu+fra", description="Tesseract languages, '+'-joined")
    tesseract_cmd: str = Field("tesseract", description="Tesseract command or path")
    ocr_dpi: int = Field(300, ge=72, le=600, description="Resolution PDF pages are rendered at")
    ocr_timeout: float = Field(120.0, gt=0, description="Seconds one Tesseract run may take")
    max_image_pixels: int = Field(80_000_000, gt=0, description="Larger images fail as too_large")

    # The service (`custid serve`); DATABASE_URL and REDIS_URL are read without the prefix.
    data_dir: Path = Field(default_factory=lambda: user_data_path("custid"),
                           description="Originals, the SQLite database and a started Redis")
    store_url: str | None = Field(
        None, description="Where originals are kept: a folder, or s3://BUCKET/PREFIX in an "
        "S3-compatible service (endpoint and credentials from AWS_ENDPOINT_URL, "
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION); default: the data dir")
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="SQLAlchemy URL; default SQLite in the data dir")
    redis_url: str | None = Field(
        None, validation_alias=AliasChoices("REDIS_URL", "redis_url"),
        description="Celery broker; unset, `custid serve` starts its own redis-server")
    max_upload_bytes: int = Field(50 * 1024 * 1024, gt=0, description="Larger uploads get 413 "
                                  "(and larger messages of an uploaded mbox are refused)")
    max_mailbox_bytes: int = Field(1024 * 1024 * 1024, gt=0, description="Larger mbox uploads "
                                   "get 413")
    max_mailbox_messages: int = Field(10_000, ge=1, description="An mbox upload with more "
                                      "messages gets 413")
    max_number_length: int = Field(64, ge=1, le=64, description="Longest account number "
                                   "accepted (`POST /v1/accounts`; 422 above)")
    max_request_bytes: int = Field(200 * 1024 * 1024, gt=0, description="Upload requests "
                                   "larger in all (files, fields, framing) get 413 (an mbox: "
                                   "over the mailbox limit)")
    max_form_fields: int = Field(16, ge=0, description="More form fields than files in an "
                                 "upload get 400")
    upload_idle_seconds: float = Field(30.0, gt=0, description="Seconds an upload may send "
                                       "nothing before it gets 408")
    max_uploads_per_key: int = Field(8, ge=1, description="Uploads at once per key and API "
                                     "process; more get 429")
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0, description="Larger bodies of the "
                                "other routes get 413, unread")
    webhook_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated hosts (*.example.com, *) or IP networks webhooks may call; "
                    "private and loopback addresses only when listed as addresses")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses (or networks) of reverse proxies whose "
                    "X-Forwarded-For names the client (audit log); default: none, the peer is "
                    "the client")
    webhook_timeout: float = Field(5.0, gt=0, description="Seconds per webhook call")
    sweep_interval: float = Field(60.0, ge=0, description="Seconds between sweeps; 0: no sweep")
    stuck_after: float = Field(600.0, gt=0, description="Seconds queued/processing to requeue")
    orphan_after: float = Field(3600.0, gt=0, description="Seconds after which the sweep "
                                "removes an original no document has (left by an upload whose "
                                "transaction failed)")
    max_attempts: int = Field(3, ge=1, description="Requeues before a document fails")
    task_soft_time_limit: float = Field(120.0, gt=0, description="Seconds per document, soft")
    task_time_limit: float = Field(150.0, gt=0, description="Seconds per document, hard kill")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1,
                         description="Worker processes of `custid serve` and `custid worker`")
    api_workers: int = Field(1, ge=1, description="API processes of `custid serve` and `custid "
                             "api` (rate limits and trusted keys are per process)")
    workspace_mode: Literal["auto", "known"] = Field(
        "auto", description="auto: unseen numbers create accounts; known: they go to review")

    # Trust: limits per API key, the reader's sandbox, fault tests
    rate_limit: int = Field(30, ge=1, description="Number lookups and reveals per key a minute "
                            "(per API process)")
    key_cache_seconds: float = Field(
        1.0, ge=0, description="Seconds an API process trusts an API key it verified: a key "
        "revoked through another process or the command line works there that long; 0: check "
        "every request in the database")
    reader_memory_mb: int = Field(
        2048, ge=0, description="Address space (MB) a worker's reader may add while reading one "
        "document, in a child process of its own; 0: read in the worker itself, unbounded")
    visibility_timeout: float = Field(
        900.0, gt=0, description="Seconds before Redis hands an unacknowledged message (of a "
        "worker that vanished) to another worker")
    task_delay: float = Field(0.0, ge=0, description="Seconds a worker waits before each "
                              "document (fault tests only)")

    # What an operator watches
    log_format: Literal["text", "json"] = Field(
        "text", description="text: each tool's own lines; json: one JSON object a line (time, "
        "level, logger, message)")
    metrics_token: str | None = Field(
        None, description="Bearer token GET /metrics needs; unset, /metrics answers 404")

    @field_validator("webhook_allow", "trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [entry.strip() for entry in value.split(",") if entry.strip()]
        return value

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'custid.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
