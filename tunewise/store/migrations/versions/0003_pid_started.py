"""A run records when its process started next to its pid, so that a later process given the same pid (after a
crash or a reboot) is not taken for the run's: such runs were left ``running`` forever.

Revision ID: 0003_pid_started
Revises: 0002_measurements
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_pid_started"
down_revision = "0002_measurements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("pid_started", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("pid_started")
