"""custid: find the customer and account numbers printed on invoices, bills and statements."""

from extractor.document.result import DocumentResult, Finding
from extractor.pipeline import Extractor, extract

__all__ = ["DocumentResult", "Extractor", "Finding", "extract"]
