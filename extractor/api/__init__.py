"""The HTTP API (FastAPI): app, dependencies, routes, schemas and the web page."""
