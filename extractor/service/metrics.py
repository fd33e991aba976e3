"""Prometheus metrics of the service: their definitions, and what GET /metrics answers.

The processes of `custid serve` (API, workers, their reading children) write their values to
files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's multi-process mode, chosen when it is
imported), one folder per host under the data directory (PIDs of containers sharing it collide),
and /metrics adds up every folder's files. A process without that variable (a test, uvicorn by
hand) answers its own values. Labels are outcomes, text sources, error codes and queue names:
never a number, a workspace or a key.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from pathlib import Path

from kombu.exceptions import OperationalError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from extractor.document.result import DocumentResult, ErrorInfo
from extractor.read import tesseract
from extractor.service import queue
from extractor.settings import Settings

log = logging.getLogger(__name__)
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

DOCUMENTS = Counter("custid_documents", "Documents processed, by outcome and text source",
                    ["status", "text_source"])
EXTRACTION_SECONDS = Histogram("custid_extraction_seconds", "Seconds to read one document",
                               ["text_source"], buckets=SECONDS)
OCR_SECONDS = Histogram("custid_ocr_seconds", "Seconds of one Tesseract run", buckets=SECONDS)
UPLOAD_SECONDS = Histogram("custid_upload_seconds", "Seconds from an upload's request to its "
                           "202 or 200 (stored, recorded and queued)", buckets=SECONDS)
WEBHOOK_FAILURES = Counter("custid_webhook_failures", "Webhook calls that failed (each "
                           "attempt), by error code", ["code"])
tesseract.RUN_OBSERVERS.append(OCR_SECONDS.observe)


def extracted(outcome: DocumentResult | ErrorInfo, seconds: float) -> None:
    """A document read in `seconds`: counted by its outcome and text source."""
    result = outcome if isinstance(outcome, DocumentResult) else None
    source = result.text_source if result and result.text_source else "none"
    DOCUMENTS.labels("done" if result and not result.error else "failed", source).inc()
    EXTRACTION_SECONDS.labels(source).observe(seconds)


def host_folder(settings: Settings) -> Path:
    return settings.data_dir / "metrics" / socket.gethostname()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def multiprocess_env(settings: Settings) -> dict[str, str]:
    """PROMETHEUS_MULTIPROC_DIR for processes about to start: this host's folder, the files of
    processes gone removed (their counts start again at zero: a counter reset to Prometheus)."""
    folder = host_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    for file in folder.glob("*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)):
            file.unlink(missing_ok=True)
    return {MULTIPROC_DIR: str(folder)}


class _Files(Collector):
    """The values every process of every host wrote under the data directory."""

    def __init__(self, hosts: Path) -> None:
        self.hosts = hosts

    def collect(self) -> Iterable[Metric]:
        return MultiProcessCollector.merge([str(f) for f in self.hosts.glob("*/*.db")])


class _Own(Collector):
    """This process's own values (no multi-process folder)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class _QueueDepth(Collector):
    """Messages waiting in each queue, read from the broker at each scrape."""

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily("custid_queue_depth", "Messages waiting in each queue",
                                  labels=["queue"])
        try:
            depths = queue.depths()
        except (OperationalError, OSError) as exc:
            log.warning("queue depth not read: %s", exc.__class__.__name__)
            depths = {}
        for name, depth in depths.items():
            gauge.add_metric([name], depth)
        yield gauge


def exposition() -> bytes:
    """Every metric in Prometheus's text format."""
    registry = CollectorRegistry(auto_describe=False)
    folder = os.environ.get(MULTIPROC_DIR)
    registry.register(_Files(Path(folder).parent) if folder else _Own())
    registry.register(_QueueDepth())
    return generate_latest(registry)
