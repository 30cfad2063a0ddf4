"""The customer register at a million visits (issue 15, "Proof"): a benchmark, not CI.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weserve_h15_bench python bench/register.py
    python bench/register.py --rows 200000      # a smaller run
    python bench/register.py --keep             # reuse the rows of the previous run
    python bench/register.py --keep --no-export # the queries only

PostgreSQL only (it refuses SQLite). It migrates the database it is given, makes its own
offices (BENCH-ST, a state office, with OFFICES district offices below it), services and
one supervisor and counter clerk per office, then fills `register_registerentry` with
ROWS visits spread evenly over the offices and over the 365 days up to today, with ONE
`INSERT ... SELECT ... FROM generate_series(...)` (the fastest way PostgreSQL has to make
rows: no client round trip per row). All visits are walk-ins (no ticket rows: the day's
register joins the ticket with a LEFT JOIN either way).

Encryption is simulated: every row carries the same ciphertext of one MyKad number and of
one phone number, made once with the data key (decrypting it costs what any row's would).
The keyed hash differs per customer: 300,000 customers, each coming about 3 times; the
looked-up customer's visits carry the real hash of a real number, so the look-up is the
production code path (find_returning_customer: hash match + audit entry).

Timed, each as the median of REPEAT runs, beside a plain `SELECT COUNT(*)` over the same
table in the same run:
  day       the day's register of one office (selectors.day_register, what the API and
            the printed day read);
  search    the search page's work for a supervisor: a month of one office filtered by
            service and action, its count and first page of 50 (search + Paginator);
  head      a head of department's search: a month of all the state's offices, filtered
            by category, count and first page;
  lookup    the MyKad look-up at one office (services.find_returning_customer, audited).
Target: each under 500 ms.

Then a month's and a year's CSV export of one office through Django's ASGI handler in a
child process (the code path uvicorn runs), counting bytes as they are sent: the child's
RSS before the export and its peak during it (/proc/self/status, with the peak reset to
the current size first). Flat memory: the year grows it no more than the month does. For
comparison, the same export with Django's own StreamingHttpResponse, which under ASGI reads
the whole iterator into a list before sending (django/http/response.py): the memory a
year would take if the export did not stream.

Results are printed and written to bench/results/register-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weserve.settings")
# A benchmark-only key (never a production one): the scratch rows are encrypted with it.
os.environ.setdefault("WESERVE_DATA_KEY", "2pNO2DqQIm0HpvGm2PgjMQWmQyrF46ytwqqC8nBSGOI=")

ROWS = 1_000_000
OFFICES = 20
DAYS = 365
CUSTOMERS = 300_000
REPEAT = 7
LOOKED_UP = "850101-14-5123"
STATE = "BENCH-ST"
BENCH_PASSWORD = "bench-only-1234"  # noqa: S105 - scratch accounts of a scratch database


def _setup() -> None:
    import django

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/register.py runs on PostgreSQL: set DATABASE_URL=postgres://...")
    django.setup()


def _world() -> dict[str, Any]:
    """The bench's offices, services and people (made once, found again later)."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from weserve.core.models import User
    from weserve.core.roles import Role
    from weserve.organisation.models import Office, Service, StaffMember

    call_command("migrate", verbosity=0)
    hq = Office.objects.filter(parent__isnull=True).first() or Office.objects.create(
        code="BENCH-HQ", kind="hq", state="16", name_ms="Ibu Pejabat", name_en="HQ"
    )
    state, _ = Office.objects.get_or_create(
        code=STATE,
        defaults={
            "kind": "state",
            "parent": hq,
            "state": "10",
            "name_ms": "JKMN Ujian",
            "name_en": "Test JKMN",
        },
    )
    services = []
    for code, prefix, ms, en in (
        ("BWE", "A", "Bantuan Warga Emas", "Elderly Aid"),
        ("OKUB", "B", "Pendaftaran OKU", "OKU Registration"),
        ("BKKB", "C", "Bantuan Kanak-Kanak", "Children's Aid"),
        ("INFOB", "D", "Pertanyaan Am", "General Enquiries"),
    ):
        service, _ = Service.objects.get_or_create(
            code=code, defaults={"prefix": prefix, "name_ms": ms, "name_en": en}
        )
        services.append(service)
    offices, supervisors, clerks = [], [], []
    for number in range(1, OFFICES + 1):
        office, _ = Office.objects.get_or_create(
            code=f"BENCH-{number:02d}",
            defaults={
                "kind": "district",
                "parent": state,
                "state": "10",
                "name_ms": f"PKMD Ujian {number}",
                "name_en": f"Test PKMD {number}",
            },
        )
        for service in services:
            service.offices.add(office)
        people = []
        for role, name in ((Role.SUPERVISOR, "penyelia"), (Role.COUNTER_STAFF, "petugas")):
            username = f"bench.{name}.{number:02d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=BENCH_PASSWORD)
                user.groups.add(Group.objects.get(name=role.value))
                StaffMember.objects.create(
                    user=user, name=f"{name.title()} {number}", home_office=office
                )
            people.append(user)
        offices.append(office)
        supervisors.append(people[0])
        clerks.append(people[1])
    head = User.objects.filter(username="bench.ketua").first()
    if head is None:
        head = User.objects.create_user(username="bench.ketua", password=BENCH_PASSWORD)
        head.groups.add(Group.objects.get(name=Role.HEAD.value))
        StaffMember.objects.create(user=head, name="Ketua Ujian", home_office=state)
    return {
        "state": state,
        "offices": offices,
        "services": services,
        "supervisors": supervisors,
        "clerks": clerks,
        "head": head,
    }


def _fill(world: dict[str, Any], rows: int) -> float:
    """ROWS visits with one INSERT ... SELECT over generate_series; seconds taken."""
    from django.db import connection

    from weserve.core import clock, crypto
    from weserve.register.models import Action, Category

    office_ids = [o.pk for o in world["offices"]]
    clerk_ids = [u.pk for u in world["clerks"]]
    service_ids = [s.pk for s in world["services"]]
    mykad_cipher = crypto.encrypt(LOOKED_UP.replace("-", ""))
    phone_cipher = crypto.encrypt("+60123456789")
    looked_up_hash = crypto.lookup_hash(LOOKED_UP.replace("-", ""))
    today = clock.business_day()
    first_day = today - dt.timedelta(days=DAYS - 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM register_formhandedover WHERE entry_id IN (SELECT id FROM"
            " register_registerentry WHERE office_id = ANY(%s))",
            [office_ids],
        )
        cursor.execute("DELETE FROM register_referral WHERE office_id = ANY(%s)", [office_ids])
        cursor.execute("DELETE FROM register_registerentry WHERE office_id = ANY(%s)", [office_ids])
        # Row g: office g mod OFFICES, day spread evenly over the year, a time between
        # 08:00 and 16:59 local, customer g mod CUSTOMERS (customer 0 is the looked-up one).
        cursor.execute(
            """
            INSERT INTO register_registerentry
                (office_id, ticket_id, served_by_id, served_at, day, name, mykad, mykad_hash,
                 phone, category, service_id, purpose, action, note)
            SELECT
                (%(offices)s::bigint[])[1 + g %% %(n_offices)s],
                NULL,
                (%(clerks)s::bigint[])[1 + g %% %(n_offices)s],
                ((%(first)s::date + (g * %(days)s / %(rows)s)::int) + time '08:00'
                    + ((g * 7919) %% 540) * interval '1 minute') AT TIME ZONE 'Asia/Kuala_Lumpur',
                %(first)s::date + (g * %(days)s / %(rows)s)::int,
                'Pelanggan ' || (g %% %(customers)s),
                %(mykad)s,
                CASE WHEN g %% %(customers)s = 0 THEN %(hash)s
                     ELSE encode(
                         sha256(convert_to('bench-' || (g %% %(customers)s), 'UTF8')), 'hex')
                END,
                CASE WHEN g %% 3 = 0 THEN %(phone)s ELSE '' END,
                (%(categories)s::text[])[1 + (g / 7) %% 5],
                (%(services)s::bigint[])[1 + (g / 3) %% %(n_services)s],
                'Bertanya tentang bantuan dan dokumen yang perlu dibawa',
                (%(actions)s::text[])[1 + (g / 11) %% 5],
                ''
            FROM generate_series(0::bigint, %(rows)s - 1) AS g
            """,
            {
                "offices": office_ids,
                "n_offices": len(office_ids),
                "clerks": clerk_ids,
                "first": first_day,
                "days": DAYS,
                "rows": rows,
                "customers": CUSTOMERS,
                "mykad": mykad_cipher,
                "hash": looked_up_hash,
                "phone": phone_cipher,
                "categories": list(Category.values),
                "services": service_ids,
                "n_services": len(service_ids),
                "actions": list(Action.values),
            },
        )
        cursor.execute("ANALYZE register_registerentry")
    return time.perf_counter() - started


def _median_ms(work: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(REPEAT):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def _timings(world: dict[str, Any]) -> dict[str, Any]:
    from django.core.paginator import Paginator
    from django.db import connection

    from weserve.core import clock
    from weserve.register import services
    from weserve.register.search import register_offices, search, with_list_details
    from weserve.register.selectors import day_register

    office = world["offices"][0]
    supervisor = world["supervisors"][0]
    today = clock.business_day()
    month = {"date_from": today - dt.timedelta(days=30), "date_to": today}

    def count_all() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM register_registerentry")
            return int(cursor.fetchone()[0])

    def day() -> int:
        return len(day_register(office, today - dt.timedelta(days=3)))

    def filtered() -> int:
        data = {**month, "service": world["services"][0].code, "action": "info"}
        page = Paginator(with_list_details(search([office], data)), 50).get_page(1)
        list(page.object_list)
        return page.paginator.count

    head_offices = register_offices(world["head"], world["state"])

    def head() -> int:
        data = {**month, "category": "elderly"}
        page = Paginator(with_list_details(search(head_offices, data)), 50).get_page(1)
        list(page.object_list)
        return page.paginator.count

    def lookup() -> int:
        return len(services.find_returning_customer(office, LOOKED_UP, acting_user=supervisor))

    results: dict[str, Any] = {}
    for name, work in (
        ("count", count_all),
        ("day", day),
        ("search", filtered),
        ("head", head),
        ("lookup", lookup),
    ):
        work()  # warm: plans and caches, as a server that has been up a while
        ms, found = _median_ms(work)
        results[name] = {"ms": round(ms, 2), "result": found}
    base = results["count"]["ms"]
    for name in ("day", "search", "head", "lookup"):
        results[name]["ratio_to_count"] = round(results[name]["ms"] / base, 3) if base else None
    return results


def _explain(world: dict[str, Any]) -> dict[str, str]:
    """The plans of the timed queries (to see an index used or missed)."""
    from weserve.core import clock
    from weserve.register.models import RegisterEntry
    from weserve.register.search import search

    office = world["offices"][0]
    today = clock.business_day()
    day = RegisterEntry.objects.filter(office=office, day=today - dt.timedelta(days=3)).order_by(
        "served_at", "pk"
    )
    data = {
        "date_from": today - dt.timedelta(days=30),
        "date_to": today,
        "service": world["services"][0].code,
        "action": "info",
    }
    return {
        "day": day.explain(),
        "search": search([office], data)[:50].explain(),
        "search_count": "see count: " + str(search([office], data).count()),
    }


# --- The export, in a child process -----------------------------------------------------------


def _export_child(kind: str, office_code: str, username: str, days: str) -> None:
    """Run one year's CSV export through Django's ASGI handler; print peak RSS figures."""
    import asyncio
    import resource

    _setup()
    from django.conf import settings

    # No collected static files here: pages (a login redirect, an error) use plain ones.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.contrib.auth import get_user_model
    from django.core.handlers.asgi import ASGIHandler
    from django.test import Client

    from weserve.core import clock, documents

    if kind == "django":
        # Django's own class, as core.documents had it before: a sync iterator under ASGI.
        from django.http import StreamingHttpResponse

        documents.StreamingRows = StreamingHttpResponse  # type: ignore[misc]
    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    today = clock.business_day()
    start = today - dt.timedelta(days=int(days) - 1)
    query = f"date_from={start.isoformat()}&date_to={today.isoformat()}"
    handler = ASGIHandler()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/register/offices/{office_code}/export.csv",
        "raw_path": f"/register/offices/{office_code}/export.csv".encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"cookie", f"sessionid={session}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = {"bytes": 0, "messages": 0, "status": None, "first_byte_s": None}
    started = time.perf_counter()

    received = {"body": False}

    async def receive() -> dict[str, Any]:
        if not received["body"]:
            received["body"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # The client stays connected: Django cancels this wait once the response is sent.
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
        elif message.get("body"):
            if sent["first_byte_s"] is None:
                sent["first_byte_s"] = time.perf_counter() - started
            sent["bytes"] += len(message["body"])
            sent["messages"] += 1

    # The process's peak so far includes start-up (imports, the login): on Linux, reset the
    # high-water mark to the current size first, so the peak after is the export's own.
    before_kb = _rss_kb("VmRSS") if _reset_peak_rss() else None
    before_kb = before_kb or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    asyncio.run(handler(scope, receive, send))
    after_kb = _rss_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "kind": kind,
                "days": int(days),
                "status": sent["status"],
                "bytes": sent["bytes"],
                "messages": sent["messages"],
                "seconds": round(time.perf_counter() - started, 2),
                "first_byte_s": round(sent["first_byte_s"] or 0, 3),
                "peak_rss_before_mb": round(before_kb / 1024, 1),
                "peak_rss_after_mb": round(after_kb / 1024, 1),
                "peak_rss_growth_mb": round((after_kb - before_kb) / 1024, 1),
            }
        )
    )


def _reset_peak_rss() -> bool:
    """Set this process's peak RSS (VmHWM) to its current size (Linux's clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_kb(field_name: str) -> int | None:
    """A size in kB from /proc/self/status (VmRSS now, VmHWM the peak), None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _export(world: dict[str, Any], kind: str, days: int) -> dict[str, Any]:
    office = world["offices"][0]
    output = subprocess.run(  # noqa: S603 - this same script, with our own arguments
        [
            sys.executable,
            __file__,
            "--export-child",
            kind,
            office.code,
            world["supervisors"][0].username,
            str(days),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--keep", action="store_true", help="reuse the rows already there")
    parser.add_argument("--no-export", action="store_true", help="time the queries only")
    parser.add_argument("--export-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        _export_child(*args.export_child)
        return
    _setup()
    from weserve.register.models import RegisterEntry

    world = _world()
    office_ids = [o.pk for o in world["offices"]]
    existing = RegisterEntry.objects.filter(office_id__in=office_ids).count()
    fill_s = None
    if not (args.keep and existing == args.rows):
        fill_s = round(_fill(world, args.rows), 1)
    total = RegisterEntry.objects.count()
    print(f"rows in register_registerentry: {total:,} (filled in {fill_s} s)")
    timings = _timings(world)
    for name, figures in timings.items():
        ratio = figures.get("ratio_to_count")
        print(
            f"{name:>7}: {figures['ms']:8.2f} ms  result {figures['result']!s:>8}"
            + (f"  ({ratio}x COUNT(*))" if ratio is not None else "")
        )
    plans = _explain(world)
    # Flat memory: the streamed export of a year grows the process no more than a month's
    # does; Django's own class, for comparison, holds the whole year.
    runs = () if args.no_export else (("streaming", 30), ("streaming", 365), ("django", 365))
    exports = {f"{kind}_{days}d": _export(world, kind, days) for kind, days in runs}
    for kind, figures in exports.items():
        print(f"export {kind}: {figures}")
    results = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": total,
        "offices": OFFICES,
        "fill_seconds": fill_s,
        "timings": timings,
        "plans": plans,
        "exports": exports,
        "load_average": os.getloadavg(),
    }
    out = ROOT / "bench" / "results" / "register-latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"written: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
