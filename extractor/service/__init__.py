"""The service: database, originals store, queue, processing, linking, keys, erasure."""
