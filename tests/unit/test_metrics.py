"""The multi-process metrics folder: files of processes gone are removed before a start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from extractor.service.metrics import MULTIPROC_DIR, host_folder, multiprocess_env
from extractor.settings import Settings


def test_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    folder = host_folder(settings)
    folder.mkdir(parents=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    for name in (f"counter_{gone}.db", f"histogram_{gone}.db", f"counter_{os.getpid()}.db"):
        (folder / name).write_bytes(b"")
    assert multiprocess_env(settings) == {MULTIPROC_DIR: str(folder)}
    assert sorted(p.name for p in folder.iterdir()) == [f"counter_{os.getpid()}.db"]
