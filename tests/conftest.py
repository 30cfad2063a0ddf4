"""Shared fixtures: an office tree (HQ > two states > districts) and a user per role."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from cryptography.fernet import Fernet

# The suite never touches var/: it brings its own data key.
os.environ.setdefault("WESERVE_DATA_KEY", Fernet.generate_key().decode())

import pytest  # noqa: E402
from django.test import Client  # noqa: E402

from tests.factories import OfficeTree, build_office_tree, make_user  # noqa: E402
from weserve.core.roles import Role  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests render templates without a collected manifest, and hash passwords cheaply.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = True
    # The queue's hot path reads the database afresh: a remembered read would outlive a test.
    settings.QUEUE_CACHE_SECONDS = 0
    # Background tasks run in the test's own process: enqueued ones at once, scheduled
    # ones wait in memory until a test runs them (tests/telephony/test_timers.py). The
    # suite writes to no queue outside it.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    if settings.REDIS_URL:
        _redis_keys_of_this_process()


def _redis_keys_of_this_process() -> None:
    """Every Redis channel layer this test process makes, also those a test configures
    itself, keeps its keys under a prefix of its own instead of channels_redis's "asgi".
    Parallel workers (xdist) share REDIS_URL's database, and so does the browser tests'
    `weserve serve`; their tests make offices with the same ids, so their groups
    ("office.1.queue") would otherwise be one, and a socket of one would hear the other's
    events."""
    from channels_redis.core import RedisChannelLayer

    defaults = list(RedisChannelLayer.__init__.__defaults__ or ())
    names = RedisChannelLayer.__init__.__code__.co_varnames[1 : 1 + len(defaults)]
    defaults[names.index("prefix")] = f"asgi-test-{os.getpid()}"
    RedisChannelLayer.__init__.__defaults__ = tuple(defaults)


BROWSER_TESTS = "tests/e2e/"


@pytest.hookimpl(optionalhook=True)  # xdist's hook: `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """How a parallel run (pytest-xdist, `python3 dev.py test`) shares out the tests: a
    module's tests go to one worker together, so that what a module makes once (a
    module-scoped fixture: tests/core/test_serve.py's fresh install) is made once; the
    browser tests, all modules of tests/e2e, go to one worker as one unit, since they
    share one `weserve serve` (package-scoped, tests/e2e/conftest.py) and leave state for
    each other. The browser tests go first, the longest unit; then the largest modules.

    A scheduler of our own rather than xdist's `--dist loadgroup` and an `xdist_group`
    mark: xdist 3.8 marks a group by rewriting `item._nodeid`, which pytest 9 no longer
    reads, so the groups were silently lost."""
    if config.getvalue("dist") != "load":  # the default; another asked for is obeyed
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndBrowserTests(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(BROWSER_TESTS):
                return BROWSER_TESTS
            return nodeid.split("::", 1)[0]

        def _assign_work_unit(self, node: object) -> None:
            # The longest unit first (xdist orders units by their number of tests).
            if BROWSER_TESTS in self.workqueue:
                self.workqueue.move_to_end(BROWSER_TESTS, last=False)
            super()._assign_work_unit(node)

    return ModulesAndBrowserTests(config, log)


@pytest.fixture(autouse=True)
def _channel_layer_of_its_own():
    """Each test gets a channel layer made for it, as each server process has its own.
    A test's sockets run on an event loop of their own, and channels_redis keeps receive
    state (locks, buffers) that outlives a loop and breaks on the next one."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def tree(db: None) -> OfficeTree:
    return build_office_tree()


@pytest.fixture
def users(tree: OfficeTree) -> dict[str, object]:
    """One user per role at PKMD-PJ, a head at JKMN-SGR, an HQ admin, a PKMD-JB clerk."""
    return make_users(tree)


def make_users(tree: OfficeTree) -> dict[str, object]:
    """The `users` fixture's people, for a fixture of a wider scope."""
    pj = tree.pj
    return {
        "admin": make_user("admin", pj, Role.ADMIN),
        "penyelia": make_user("penyelia", pj, Role.SUPERVISOR),
        "petugas": make_user("petugas1", pj, Role.COUNTER_STAFF),
        "telefonis": make_user("telefonis", pj, Role.OPERATOR),
        "pegawai": make_user("pegawai1", pj, Role.OFFICER),
        "aduan": make_user("pegawai.aduan", pj, Role.COMPLAINT_OFFICER),
        "ketua": make_user("ketua.jkmn", tree.sgr, Role.HEAD),
        "hq_admin": make_user("hq.admin", tree.hq, Role.ADMIN),
        "jb_petugas": make_user("petugas.jb", tree.jb, Role.COUNTER_STAFF),
        "jb_penyelia": make_user("penyelia.jb", tree.jb, Role.SUPERVISOR),
    }


@pytest.fixture(scope="module")
def module_db(django_db_setup: None, django_db_blocker) -> Iterator[Callable]:
    """Rows made once for a whole module, for modules that make a large world and then
    ask many read-only questions of it, a test per question (tests/test_url_scoping.py).

    `module_db(make)` runs `make()` inside a transaction kept open for the module and
    rolled back at its end; each test (`db`) runs inside it in a savepoint of its own,
    rolled back after the test, so every test still starts from exactly the rows `make`
    left, as if it had made them itself. Not for a module with `transaction=True` tests
    (they commit, and flush the database after)."""
    from django.db import transaction

    opened = []

    def build(make: Callable[[], object]) -> object:
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            opened.append(atomic)
            return make()

    yield build
    with django_db_blocker.unblock():
        for atomic in reversed(opened):
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def client_for(users: dict[str, object]):
    """A signed-in test client for a user key of `users`."""

    def make(key: str) -> Client:
        client = Client()
        client.force_login(users[key])
        return client

    return make


@pytest.fixture(scope="session", autouse=True)
def _issue_statement_connection_closed(django_db_setup: None):
    """The ticket issue statement's own connection (PostgreSQL) is closed before the test
    database is dropped, which PostgreSQL refuses while anyone is connected."""
    yield
    from weserve.queueing import issue_statement

    issue_statement.close()
