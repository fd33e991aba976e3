"""Alembic environment: the URL comes from `extractor.service.db.upgrade` (or DATABASE_URL)."""

from alembic import context

from extractor.service.db import make_engine
from extractor.service.tables import Base
from extractor.settings import get_settings

url = context.config.attributes.get("url") or get_settings().database
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
