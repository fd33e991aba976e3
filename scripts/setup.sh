#!/usr/bin/env bash
# Install what custid needs on a fresh Debian/Ubuntu machine: system packages and a venv in .venv.
# Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3-venv python3-pip
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra
  tesseract-ocr-nld tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-osd
  redis-server postgresql poppler-utils
  dovecot-imapd  # the IMAP tests and benchmark: a throwaway Dovecot on loopback
  chromium  # the browser test: Debian's Chromium, driven by Python's playwright (no download)
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# playwright (the browser test's driver) never downloads a browser: it runs /usr/bin/chromium.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/bin/python -m pip install -q -e '.[dev]'
