"""Checks of an LLM judge against the blind human ratings: agreement (Cohen's kappa with its interval), position
consistency and the judge's win rates, one row per `tunewise judge`.

Revision ID: 0005_judge
Revises: 0004_studio
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_judge"
down_revision = "0004_studio"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judge_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("experiment", sa.String(200), index=True),
        sa.Column("created_at", sa.DateTime),
        sa.Column("model", sa.String(200)),
        sa.Column("rubric", sa.String(100)),
        sa.Column("result", sa.JSON),
    )


def downgrade() -> None:
    op.drop_table("judge_checks")
