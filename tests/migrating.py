"""Moving a test database to given migrations, for tests of what a migration does to rows.

Django's own executor runs every operation, backwards and forwards; only how the
states before each unapplied migration are made differs from `MigrationExecutor.migrate`.
Django 5.2 (`_migrate_all_backwards`) renders the models once and then updates the
rendered models through every migration up to the last one it unapplies: each operation
re-renders every model related to the one it touches, which here (most models point at
Office) took about as long as unapplying the migrations themselves. `_unapply` makes the same
states unrendered, which costs nothing, and renders each one once, just before its
migration is unapplied: the same models, for a fraction of the time.
"""

from __future__ import annotations

from collections.abc import Collection

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.state import ProjectState

Target = tuple[str, str]


def latest() -> list[Target]:
    """Every app's newest migration: where a test must leave the database."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate_to(targets: list[Target]) -> Apps:
    """Apply or unapply migrations up to `targets`; the models as they stand there."""
    executor = MigrationExecutor(connection)  # reads which migrations are applied now
    plan = executor.migration_plan(targets)
    if plan and all(backwards for _, backwards in plan):
        _unapply(executor, [migration for migration, _ in plan])
        executor.loader.build_graph()  # the migrations now applied
        state = _applied_state(executor, executor.loader.applied_migrations)
    else:
        # Forwards (or nothing to do): Django's own, which makes the state it starts
        # from unrendered and renders it once; the state it returns is rendered.
        state = executor.migrate(targets, plan=plan)
    return state.apps


def _full_plan(executor: MigrationExecutor) -> list[Migration]:
    """Every migration in the order Django applies them to an empty database."""
    leaves = executor.loader.graph.leaf_nodes()
    return [migration for migration, _ in executor.migration_plan(leaves, clean_start=True)]


def _applied_state(executor: MigrationExecutor, applied: Collection[Target]) -> ProjectState:
    """The project state the applied migrations make (unrendered): what
    `MigrationExecutor._create_project_state(with_applied_migrations=True)` makes."""
    state = ProjectState(real_apps=executor.loader.unmigrated_apps)
    for migration in _full_plan(executor):
        if (migration.app_label, migration.name) in applied:
            migration.mutate_state(state, preserve=False)
    return state


def _unapply(executor: MigrationExecutor, plan: list[Migration]) -> None:
    """Unapply `plan` (applied migrations, newest first, as `migration_plan` orders
    them), each from the state of the migrations applied before it in Django's order,
    as `MigrationExecutor._migrate_all_backwards` does."""
    executor.recorder.ensure_schema()
    applied = executor.loader.applied_migrations
    to_unapply = set(plan)
    state = ProjectState(real_apps=executor.loader.unmigrated_apps)
    before: dict[Migration, ProjectState] = {}
    for migration in _full_plan(executor):
        if migration in to_unapply:
            before[migration] = state.clone()
        if (migration.app_label, migration.name) in applied:
            migration.mutate_state(state, preserve=False)
    for migration in plan:
        state = before[migration]
        state.apps  # noqa: B018 - rendered once here, not once per operation by unapply
        executor.unapply_migration(state, migration)
    executor.check_replacements()
