"""The studio's tables: jobs (an experiment run in a background worker), their progress events (the ids a
browser resumes a dropped event stream from), and blind A/B ratings of two runs' answers.

Revision ID: 0004_studio
Revises: 0003_pid_started
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_studio"
down_revision = "0003_pid_started"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("experiment", sa.String(200), index=True),
        sa.Column("config", sa.JSON),
        sa.Column("status", sa.String(20), index=True),
        sa.Column("created_at", sa.DateTime),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("pid", sa.Integer, nullable=True),
        sa.Column("pid_started", sa.Float, nullable=True),
        sa.Column("hostname", sa.String(200), nullable=True),
        sa.Column("cancel_requested", sa.Boolean, default=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_table(
        "job_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id"), index=True),
        sa.Column("at", sa.DateTime),
        sa.Column("kind", sa.String(20)),
        sa.Column("data", sa.JSON),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("experiment", sa.String(200), index=True),
        sa.Column("rater", sa.String(200)),
        sa.Column("created_at", sa.DateTime),
        sa.Column("position", sa.Integer),
        sa.Column("prompt", sa.Text),
        sa.Column("left_run", sa.Integer),
        sa.Column("right_run", sa.Integer),
        sa.Column("left_method", sa.String(200)),
        sa.Column("right_method", sa.String(200)),
        sa.Column("left_output", sa.Text),
        sa.Column("right_output", sa.Text),
        sa.Column("choice", sa.String(20)),
        sa.Column("comment", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("ratings")
    op.drop_table("job_events")
    op.drop_table("jobs")
