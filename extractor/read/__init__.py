"""Readers: bytes of a sniffed type in, pages of words out (PDF text layers, Tesseract for
scans and images, emails)."""
