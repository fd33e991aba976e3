#!/usr/bin/env bash
# Set up everything (scripts/setup.sh), start Redis, PostgreSQL, Dovecot and S3 on loopback for the
# tests, run ruff, mypy and the whole test suite, then stop the servers again.
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
start_s3 "$RUN_DIR"
export CUSTID_TEST_S3_ENDPOINT="$S3_ENDPOINT_STARTED"
start_dovecot "$RUN_DIR"
export CUSTID_TEST_IMAP_PORT="$DOVECOT_IMAP_PORT" CUSTID_TEST_IMAP_IMAPS_PORT="$DOVECOT_IMAPS_PORT"
export CUSTID_TEST_IMAP_CA="$DOVECOT_CA" CUSTID_TEST_IMAP_USER=custid CUSTID_TEST_IMAP_PASSWORD=secret

.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
