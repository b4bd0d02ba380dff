"""Record which execution renders a task: choreography_tasks.job_execution_name (nullable, additive).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("choreography_tasks", sa.Column("job_execution_name", sa.String(500), nullable=True))


def downgrade() -> None:
    op.drop_column("choreography_tasks", "job_execution_name")
