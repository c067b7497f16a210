"""A run's primary metric and its other measurements (stability, forgetting, cross-validation, bias probe,
sweep trial) get columns of their own; ``metrics`` keeps only the test metrics with their intervals.

Revision ID: 0002_measurements
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_measurements"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

MEASURED = ("stability", "forgetting", "cross_validation", "bias", "sweep")
runs = sa.table(
    "runs",
    sa.column("id", sa.Integer),
    sa.column("metrics", sa.JSON),
    sa.column("primary_metric", sa.String),
    sa.column("measurements", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("primary_metric", sa.String(100), nullable=True))
        batch.add_column(sa.Column("measurements", sa.JSON, nullable=True))
    connection = op.get_bind()
    for run_id, metrics in connection.execute(sa.select(runs.c.id, runs.c.metrics)).all():
        if not metrics:
            continue
        scores = {k: v for k, v in metrics.items() if k != "primary" and k not in MEASURED}
        measured = {k: metrics[k] for k in MEASURED if metrics.get(k)}
        connection.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(metrics=scores, primary_metric=metrics.get("primary"), measurements=measured)
        )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(runs.c.id, runs.c.metrics, runs.c.primary_metric, runs.c.measurements))
    for run_id, metrics, primary, measured in rows.all():
        if metrics is not None:
            merged = {**metrics, **(measured or {}), "primary": primary}
            connection.execute(runs.update().where(runs.c.id == run_id).values(metrics=merged))
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("measurements")
        batch.drop_column("primary_metric")
