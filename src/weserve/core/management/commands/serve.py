"""`weserve serve`: uvicorn (HTTP + WebSocket) and the Huey background worker, together."""

from __future__ import annotations

import copy
import logging
import logging.config
import os
import signal
import socket
import subprocess
import sys
import threading
from types import FrameType
from typing import Any

import uvicorn
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from weserve.core.crypto import data_key_available
from weserve.core.views import database_ok

logger = logging.getLogger("weserve.serve")

ASGI_APP = "weserve.asgi:application"
# Open WebSockets (displays, consoles) would hold a shutdown forever; they reconnect.
GRACEFUL_SHUTDOWN_SECONDS = 10
# A running background job gets this long to finish before the worker is killed.
WORKER_STOP_SECONDS = 30
WORKER_RESTART_DELAY_SECONDS = 5


class _Shutdown(Exception):
    """Raised by our SIGTERM handler once uvicorn has finished its own graceful stop."""


def _raise_shutdown(signum: int, frame: FrameType | None) -> None:
    raise _Shutdown(signum)


def _port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError(value)
    return port


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class BackgroundWorker:
    """The `weserve run_huey` child: started with the server, restarted if it dies."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, name="huey-watch", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._watcher.start()

    def _spawn(self) -> None:
        # Its own process group: a Ctrl+C in the terminal reaches `serve` only, which then
        # stops the worker gracefully itself (a second SIGINT would cut Huey's shutdown short).
        self.process = subprocess.Popen(self.command, process_group=0)  # noqa: S603
        logger.info("Background worker started [%s]", self.process.pid)

    def _watch(self) -> None:
        while not self._stopping.wait(1):
            with self._lock:
                process = self.process
                if process is None or process.poll() is None:
                    continue
                logger.error(
                    "Background worker [%s] exited with %s; restarting in %s s",
                    process.pid,
                    process.returncode,
                    WORKER_RESTART_DELAY_SECONDS,
                )
            if self._stopping.wait(WORKER_RESTART_DELAY_SECONDS):
                return
            with self._lock:
                if not self._stopping.is_set():
                    self._spawn()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            process = self.process
            if process is None or process.poll() is not None:
                return
            # SIGINT is Huey's graceful stop: running jobs finish, nothing new starts.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                logger.warning("Background worker [%s] did not stop; killing it", process.pid)
                process.kill()
                process.wait()
            logger.info("Background worker stopped [%s]", process.pid)


def log_config() -> dict[str, Any]:
    """uvicorn's logging with a timestamp on every line, access lines included."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["default"]["fmt"] = "%(asctime)s %(levelprefix)s %(message)s"
    config["formatters"]["access"]["fmt"] = (
        '%(asctime)s %(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'
    )
    config["loggers"]["weserve.serve"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def missing_static_files() -> list[str] | None:
    """Static files the manifest does not know; None when there is no manifest at all.

    The manifest storage answers an unknown file with a 500, so `serve` says it first.
    """
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    if not staticfiles_storage.manifest_storage.exists(staticfiles_storage.manifest_name):
        return None
    try:
        known, _hash = staticfiles_storage.load_manifest()
    except ValueError:
        return None
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    missing = []
    for finder in get_finders():
        for path, _storage in finder.list(ignore):
            name = path.replace(os.sep, "/")
            if name not in known:
                missing.append(name)
    return missing


def port_taken(host: str, port: int) -> OSError | None:
    """Why the address cannot be listened on, if it cannot; checked before anything starts."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, proto) as sock:
            # uvicorn sets the same option, so a port in TIME_WAIT is not "taken".
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as exc:
        return exc
    return None


def unapplied_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def cannot_listen(host: str, port: int, problem: OSError) -> str:
    return _("Cannot listen on {host} port {port}: {problem}").format(
        host=host, port=port, problem=problem.strerror or problem
    )


def worker_sockets(host: str, port: int, count: int, backlog: int = 2048) -> list[socket.socket]:
    """One listening address, one socket per worker process (SO_REUSEPORT).

    uvicorn's workers otherwise accept from one shared socket, and whichever is waiting
    takes whatever arrives: connections opened together (a proxy's, a benchmark's, a
    busy office's kiosks after a restart) could all land on one worker while the other
    stood idle (docs/architecture.md, decision 25). With a socket each, the kernel
    spreads new connections between the workers by their addresses.

    Each socket listens from the start, before its worker has started: the kernel spreads
    connections only between listening sockets, so a worker slower to start would
    otherwise miss every connection made meanwhile (they wait for it instead)."""
    # The address family as uvicorn chooses it (a name such as "localhost" is IPv4).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(backlog)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class SpreadWorkers(Multiprocess):
    """uvicorn's worker supervisor, each worker started on a socket of its own.

    A worker uvicorn starts again (after one died, or on SIGHUP or SIGTTIN) gets every
    socket, so that no socket is left without a worker to accept from it; the spread is
    then less even until the server is restarted."""

    def init_processes(self) -> None:
        for sock in self.sockets:
            process = Process(self.config, [sock])
            process.start()
            self.processes.append(process)


def run_uvicorn(host: str, port: int, options: dict[str, Any], app: str = ASGI_APP) -> None:
    """uvicorn.run, except that several workers each accept on a socket of their own
    where the system can (Linux: SO_REUSEPORT)."""
    workers = options["workers"]
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, **options)
        return
    config = uvicorn.Config(app, **options)
    try:
        sockets = worker_sockets(host, port, workers, config.backlog)
    except OSError as exc:  # taken since `handle` looked
        raise CommandError(cannot_listen(host, port, exc)) from exc
    shown = f"[{host}]" if ":" in host else host
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d, %d workers with a socket each", shown, port, workers
    )
    try:
        SpreadWorkers(config, sockets).run()
    finally:
        for sock in sockets:
            sock.close()


class Command(BaseCommand):
    help = "Serve WeServe over HTTP and WebSocket, with the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=_port, default=8000, help="port to listen on")
        parser.add_argument(
            "--workers",
            type=_positive,
            default=1,
            help="server processes (more than one needs REDIS_URL)",
        )
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="apply the database migrations not yet applied before serving "
            "(without it, `serve` refuses to start on such a database)",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background worker (run `weserve run_huey` elsewhere)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._refuse_unsafe_start(options["workers"])
        host, port = options["host"], options["port"]
        problem = port_taken(host, port)
        if problem is not None:
            raise CommandError(cannot_listen(host, port, problem))
        self._migrate_or_refuse(options["migrate"])

        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(
            _("WeServe on {url} (Ctrl+C stops it)").format(url=f"http://{shown}:{port}/")
        )
        self.stdout.flush()

        # Configured here as well as in uvicorn, so the worker's first lines are logged too.
        logging.config.dictConfig(log_config())
        worker = None
        if not options["no_worker"]:
            worker = BackgroundWorker([sys.executable, "-m", "weserve", "run_huey"])
        # uvicorn stops gracefully on SIGINT/SIGTERM, then raises the signal again with the
        # previous handler: ours turns SIGTERM into an exception, so the worker still stops.
        previous = signal.signal(signal.SIGTERM, _raise_shutdown)
        try:
            if worker is not None:
                worker.start()
            run_uvicorn(host, port, self._uvicorn_options(host, port, options["workers"]))
        except (KeyboardInterrupt, _Shutdown):
            pass
        finally:
            if worker is not None:
                worker.stop()
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write(_("WeServe stopped."))

    def _migrate_or_refuse(self, migrate: bool) -> None:
        """Serve only a database with every migration applied: apply them when asked
        (--migrate), else refuse in one line. A database that does not answer is not
        fatal: it may come up after us, and /healthz says so meanwhile."""
        try:
            # A short connection of its own, as /healthz: not the pool's 10 s wait.
            if not database_ok(connections[DEFAULT_DB_ALIAS].settings_dict):
                raise DatabaseError(_("it does not answer"))
            pending = unapplied_migrations()
        except DatabaseError as exc:
            self.stderr.write(
                self.style.WARNING(_("Cannot reach the database: {error}").format(error=exc))
            )
            return
        finally:
            connections.close_all()
        if not pending:
            return
        if not migrate:
            raise CommandError(
                _(
                    "{count} database migration(s) not applied: run `weserve migrate`, or "
                    "start with `weserve serve --migrate`."
                ).format(count=pending)
            )
        self.stdout.write(_("Applying {count} database migration(s).").format(count=pending))
        call_command("migrate", interactive=False, verbosity=0)
        connections.close_all()

    def _refuse_unsafe_start(self, workers: int) -> None:
        if not data_key_available():
            raise CommandError(
                _(
                    "No data key, so personal data could be neither stored nor read. "
                    "Set WESERVE_DATA_KEY, or run `weserve demo` to create {path}."
                ).format(path=settings.DATA_KEY_FILE)
            )
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                _(
                    "More than one worker needs REDIS_URL: without Redis, live updates "
                    "travel inside one process only, so screens served by another worker "
                    "would miss them. Set REDIS_URL or use --workers 1."
                )
            )
        missing = missing_static_files()
        if missing is None:
            raise CommandError(
                _(
                    "Static files have not been collected: run `weserve demo` or "
                    "`weserve collectstatic`."
                )
            )
        if missing:
            raise CommandError(
                _(
                    "{count} static file(s) are missing from the collected ones (for example "
                    "{name}): run `weserve collectstatic`."
                ).format(count=len(missing), name=missing[0])
            )

    def _uvicorn_options(self, host: str, port: int, workers: int) -> dict[str, Any]:
        proxies = settings.TRUSTED_PROXIES
        return {
            "host": host,
            "port": port,
            "workers": workers,
            # Django's ASGI handler does not speak the lifespan protocol.
            "lifespan": "off",
            "proxy_headers": bool(proxies),
            "forwarded_allow_ips": ",".join(proxies) if proxies else "",
            "access_log": True,
            "log_config": log_config(),
            "log_level": "info",
            "server_header": False,
            "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
        }
