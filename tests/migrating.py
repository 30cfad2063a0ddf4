"""Moving a test database to given migrations, for tests of what a migration does to rows."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def latest() -> list[tuple[str, str]]:
    """Every app's newest migration: where a test must leave the database."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate_to(targets: list[tuple[str, str]]) -> Apps:
    """Apply or unapply migrations up to `targets`; the models as they stand there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps
