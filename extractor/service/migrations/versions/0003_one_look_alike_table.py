"""account numbers' confusable forms by the one look-alike table (D read as 0, Z as 2 too)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The table of extractor.text as this revision made it (a migration does not follow later edits).
DIGIT_FOR = str.maketrans({"O": "0", "D": "0", "o": "0", "I": "1", "l": "1", "Z": "2", "S": "5",
                           "B": "8"})
OLD_FOR = str.maketrans("OISB", "0158")
numbers = sa.table("account_numbers", sa.column("id"), sa.column("normalized", sa.String),
                   sa.column("confusable", sa.String))


def _recompute(table: dict[int, int] | dict[int, str]) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(numbers.c.id, numbers.c.normalized)).all()
    for row_id, normalized in rows:
        connection.execute(numbers.update().where(numbers.c.id == row_id)
                           .values(confusable=normalized.translate(table)))


def upgrade() -> None:
    _recompute(DIGIT_FOR)


def downgrade() -> None:
    _recompute(OLD_FOR)
