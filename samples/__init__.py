"""Synthetic labeled corpus of invoices, bills and statements (see `samples.generator`)."""
