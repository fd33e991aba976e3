#!/usr/bin/env bash
# Set up everything (scripts/setup.sh), then run the service on its embedded default:
# SQLite and the data directory under one folder, its own Redis on loopback, workers and the API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/custid serve "$@"
