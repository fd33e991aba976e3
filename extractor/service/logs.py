"""Log lines as JSON (`CUSTID_LOG_FORMAT=json`): one object a line, with time, level, logger
and message (and the traceback), numbers masked as in text lines (by the record factory of
`install_log_masking`, before any handler sees a record)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from celery.signals import after_setup_logger, after_setup_task_logger


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": dt.datetime.fromtimestamp(record.created, dt.UTC)
                .isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def use_format(log_format: str) -> None:
    """Every handler of every logger made so far writes JSON lines, if that is the format; so do
    Python's warnings and what would reach logging's last resort (a handler on the root)."""
    if log_format != "json":
        return
    logging.captureWarnings(True)
    if not logging.getLogger().handlers:
        logging.getLogger().addHandler(logging.StreamHandler())
    formatter = JsonFormatter()
    loggers = [logging.getLogger(), *(logger for logger in logging.root.manager.loggerDict
                                      .values() if isinstance(logger, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            handler.setFormatter(formatter)


def follow_celery(log_format: str) -> None:
    """JSON lines from now, and from the handlers Celery sets up as a worker starts."""
    use_format(log_format)

    def reformat(**_kwargs: Any) -> None:
        use_format(log_format)
    for signal in (after_setup_logger, after_setup_task_logger):
        signal.connect(reformat, weak=False, dispatch_uid="custid-log-format")
