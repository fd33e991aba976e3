"""Alembic environment: the URL comes from `extractor.db.upgrade` (or DATABASE_URL settings)."""

from alembic import context

from extractor.db import make_engine
from extractor.settings import get_settings
from extractor.tables import Base

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
