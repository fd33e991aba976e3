#!/usr/bin/env bash
# Set up everything (scripts/setup.sh), start Redis and PostgreSQL on loopback for the tests,
# run ruff, mypy and the whole test suite, then stop the servers again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

RUN_DIR=$(mktemp -d /tmp/custid-test.XXXXXX)
export CUSTID_TEST_TMP="$RUN_DIR"
source scripts/services.sh
trap 'stop_services "$RUN_DIR"; rm -rf "$RUN_DIR"' EXIT
start_redis "$RUN_DIR"
start_postgres "$RUN_DIR"
export CUSTID_TEST_REDIS_URL="$REDIS_URL_STARTED"
export CUSTID_TEST_DATABASE_URL="$POSTGRES_URL_STARTED"

.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
