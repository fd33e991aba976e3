"""random public ids of links and audit events (their counters told one workspace how much
another did)

Revision ID: 0004
Revises: 0003
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("document_links", "audit_events")
LIMIT = 2**53  # as extractor.service.tables.PUBLIC_ID_LIMIT when this revision was made


def upgrade() -> None:
    connection = op.get_bind()
    for name in TABLES:
        op.add_column(name, sa.Column("public_id", sa.BigInteger(), nullable=True))
        table = sa.table(name, sa.column("id"), sa.column("public_id"))
        ids = connection.scalars(sa.select(table.c.id)).all()
        public = set[int]()
        while len(public) < len(ids):
            public.add(secrets.randbelow(LIMIT - 1) + 1)
        for row_id, public_id in zip(ids, public, strict=True):
            connection.execute(table.update().where(table.c.id == row_id)
                               .values(public_id=public_id))
        with op.batch_alter_table(name) as batch_op:
            batch_op.alter_column("public_id", existing_type=sa.BigInteger(), nullable=False)
            batch_op.create_unique_constraint(f"uq_{name}_public_id", ["public_id"])


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch_op:
            batch_op.drop_constraint(f"uq_{name}_public_id", type_="unique")
            batch_op.drop_column("public_id")
