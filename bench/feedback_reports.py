"""Benchmark (not CI): the feedback reports on a year of a busy country.

Generates 1,000,000 counter ratings (a third with a reason chip, some with comments),
100,000 complaints with 200,000 events, and 20,000 suggestions and compliments across
the demo's district offices on PostgreSQL, in bulk (INSERT ... SELECT generate_series),
counts the ratings' daily tallies once (feedback.tallies.rebuild: the bulk load bypasses
the rating service that keeps them), then times each report's database work and each
report page (the whole GET: queries, charts, template) against a plain COUNT(*) over
the same table in the same run:

- one district office, a whole year (the supervisor's report);
- a state head over the offices below, a year (per office and combined);
- HQ over every office, one month.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weserve_fb_bench \
        .venv/bin/python bench/feedback_reports.py [--keep] [--ratings N] [--complaints N]

The database must be one for benchmarking: the script migrates it, loads the demo and
EMPTIES the feedback tables first. Figures: docs/performance.md, "Feedback reports"
(the run it quotes: bench/results/feedback.json).
Target: each report page under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weserve.settings")

REPEATS = 3


def timed(fn, repeats: int = REPEATS) -> float:
    """The median of `repeats` runs, in seconds (after one warm-up run)."""
    fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def generate(cursor, ratings: int, complaints: int) -> None:
    cursor.execute(
        "TRUNCATE feedback_ratingtally, feedback_ratingreason, feedback_rating, feedback_boxslip, "
        "feedback_boxopening, feedback_remark, feedback_complaintattachment, "
        "feedback_complaintevent, feedback_complaint, feedback_satisfactionanswer, "
        "feedback_satisfactionform RESTART IDENTITY CASCADE"
    )
    cursor.execute(
        """
        INSERT INTO feedback_rating
            (office_id, counter_id, served_by_id, ticket_id, score, comment, channel,
             device_id, created_at, day)
        WITH c AS (
            SELECT array_agg(c.id ORDER BY c.id) AS counters,
                   array_agg(c.office_id ORDER BY c.id) AS offices,
                   count(*) AS n
            FROM organisation_counter c JOIN organisation_office o ON o.id = c.office_id
            WHERE o.kind = 'district'
        ), u AS (SELECT array_agg(id ORDER BY id) AS users, count(*) AS n FROM core_user)
        SELECT c.offices[1 + g %% c.n], c.counters[1 + g %% c.n], u.users[1 + (g / 7) %% u.n],
               NULL,
               1 + ((g::bigint * 7919) %% 100 >= 5)::int + ((g::bigint * 7919) %% 100 >= 15)::int
                 + ((g::bigint * 7919) %% 100 >= 35)::int + ((g::bigint * 7919) %% 100 >= 65)::int,
               CASE WHEN g %% 10 = 0 THEN
                   (ARRAY['petugas sangat mesra dan membantu',
                          'masa menunggu terlalu lama',
                          'maklumat jelas tetapi kerusi tidak mencukupi',
                          'staff friendly and helpful'])[1 + (g / 10) %% 4]
               ELSE '' END,
               'qr', NULL,
               timestamptz '2026-01-01 09:00+08' + ((g %% 365) || ' days')::interval,
               date '2026-01-01' + (g %% 365)
        FROM generate_series(1, %s) AS g, c, u
        """,
        [ratings],
    )
    cursor.execute(
        """
        INSERT INTO feedback_ratingreason (rating_id, reason)
        SELECT id, (ARRAY['waiting_time','courtesy','knowledge','clarity','speed',
                          'facilities'])[1 + id % 6]
        FROM feedback_rating WHERE id % 3 = 0
        """
    )
    cursor.execute(
        """
        INSERT INTO feedback_complaint
            (office_id, year, number, reference, access_code_hash, name, phone, email,
             category, against_service_id, against_staff_name, description, channel, state,
             received_at, received_by_id, assigned_to_id, acknowledged_at, replied_at,
             resolved_at, closed_at, acknowledge_due, reply_due, resolve_due, waiting_since,
             paused_days, submission_key)
        WITH o AS (
            SELECT array_agg(id ORDER BY id) AS ids, array_agg(code ORDER BY id) AS codes,
                   count(*) AS n
            FROM organisation_office WHERE kind = 'district'
        )
        SELECT o.ids[1 + g %% o.n], 2026, g,
               'BAP-' || o.codes[1 + g %% o.n] || '-2026-B' || lpad(g::text, 7, '0'),
               md5(g::text), '', '', '',
               (ARRAY['delay','unfair_action','amenities','policy','misconduct','procedure',
                      'enforcement','service_quality','other'])[1 + g %% 9],
               NULL, '', 'aduan ' || g,
               (ARRAY['counter','online','suggestion_box'])[1 + g %% 3],
               (ARRAY['new','acknowledged','in_action','waiting_on_complainant','replied',
                      'resolved','closed'])[1 + s],
               r, NULL, NULL,
               CASE WHEN s >= 1 THEN r + ((g %% 3) || ' days')::interval END,
               CASE WHEN s >= 4 THEN r + ((2 + g %% 4) || ' days')::interval END,
               CASE WHEN s >= 5 THEN r + ((10 + g %% 10) || ' days')::interval END,
               CASE WHEN s = 6 THEN r + ((21 + g %% 5) || ' days')::interval END,
               r + interval '1 day', r + interval '3 days', r + interval '15 days',
               CASE WHEN s = 3 THEN r + interval '2 days' END,
               0, ''
        FROM generate_series(1, %s) AS g, o,
             LATERAL (SELECT g %% 7 AS s,
                      timestamptz '2026-01-01 10:00+08' + ((g %% 365) || ' days')::interval
                        AS r) AS x
        """,
        [complaints],
    )
    cursor.execute(
        """
        INSERT INTO feedback_complaintevent (complaint_id, kind, from_state, to_state, at,
                                             user_id, note, data)
        SELECT id, 'received', '', 'new', received_at, NULL::bigint, '', '{}'::jsonb
        FROM feedback_complaint
        UNION ALL
        SELECT id, 'note', '', '', received_at + interval '1 day', NULL::bigint,
               'tindakan susulan ' || id, '{}'::jsonb
        FROM feedback_complaint
        """
    )
    cursor.execute(
        """
        INSERT INTO feedback_remark (office_id, kind, channel, topic, text, received_on,
                                     keyed_by_id, keyed_at, action, actioned_at)
        WITH o AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n
                   FROM organisation_office WHERE kind = 'district'),
             u AS (SELECT min(id) AS id FROM core_user)
        SELECT o.ids[1 + g % o.n], (ARRAY['suggestion','compliment'])[1 + g % 2],
               (ARRAY['counter','online','suggestion_box'])[1 + g % 3],
               (ARRAY['service','staff','facilities','information','process','other'])[1 + g % 6],
               'cadangan ' || g, date '2026-01-01' + (g % 365), u.id,
               timestamptz '2026-01-01 10:00+08' + ((g % 365) || ' days')::interval,
               CASE WHEN g % 4 = 0 THEN 'tindakan diambil' ELSE '' END,
               CASE WHEN g % 4 = 0 THEN timestamptz '2026-01-02 10:00+08'
                    + ((g % 365) || ' days')::interval END
        FROM generate_series(1, 20000) AS g, o, u
        """
    )
    for table in (
        "feedback_rating",
        "feedback_ratingreason",
        "feedback_complaint",
        "feedback_complaintevent",
        "feedback_remark",
    ):
        cursor.execute(f"ANALYZE {table}")  # noqa: S608 - fixed table names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the data there")
    parser.add_argument("--out", default=str(ROOT / "bench/results/feedback-latest.json"))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database kept for benchmarking.")

    import django

    django.setup()
    import datetime as dt

    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from weserve.core import crypto
    from weserve.core.models import User
    from weserve.feedback import report_selectors as figures
    from weserve.feedback import tallies
    from weserve.organisation.demo import load_demo
    from weserve.organisation.models import Office

    crypto.ensure_data_key_file()  # the demo's people have encrypted phone numbers
    call_command("migrate", interactive=False, verbosity=0)
    # The reports are read as of the end of the generated year.
    traveller = time_machine.travel(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC), tick=True)
    traveller.start()
    if not args.skip_generate:
        load_demo()
        start = time.perf_counter()
        with connection.cursor() as cursor:
            generate(cursor, args.ratings, args.complaints)
        print(f"generated in {time.perf_counter() - start:.1f} s")
        # The ratings went in around feedback.services: count their daily tallies once,
        # as the migration does for ratings older than the tallies.
        start = time.perf_counter()
        rows = tallies.rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE feedback_ratingtally")
        print(f"tallied in {time.perf_counter() - start:.1f} s ({rows} rows)")

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM feedback_rating")
        rating_rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM feedback_complaint")
        complaint_rows = cursor.fetchone()[0]

    def count_ratings() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM feedback_rating")
            cursor.fetchone()

    def count_complaints() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM feedback_complaint")
            cursor.fetchone()

    base = {"ratings": timed(count_ratings), "complaints": timed(count_complaints)}
    year = figures.Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    month = figures.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    head = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench-admin",
        password="bench-password-123",  # noqa: S106 - local benchmark only
    )
    district = Office.objects.filter(kind="district").order_by("code").first()
    state = district.parent
    hq = Office.objects.filter(parent__isnull=True).first()
    scenarios = [
        ("district, a year", district, year),
        ("state head, a year", state, year),
        ("HQ, a month", hq, month),
    ]
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Pages name static files without a collected manifest (no collectstatic here).
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}
    client = Client()
    client.force_login(head)
    results = []
    for label, office, period in scenarios:
        offices = figures.offices_in_scope(head, office)
        query = f"?start={period.start}&end={period.end}"
        for report, fn, baseline in (
            ("satisfaction", figures.satisfaction, "ratings"),
            ("feedback", figures.feedback, "complaints"),
        ):
            queries = timed(lambda fn=fn, offices=offices, period=period: fn(offices, period))
            url = f"/feedback/{office.code}/reports/{report}/{query}"

            def page(url=url) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            whole = timed(page)
            row = {
                "scenario": label,
                "report": report,
                "offices": len(offices),
                "queries_s": round(queries, 3),
                "page_s": round(whole, 3),
                "count_s": round(base[baseline], 4),
                "queries_over_count": round(queries / base[baseline], 1),
                "page_over_count": round(whole / base[baseline], 1),
            }
            results.append(row)
            print(json.dumps(row))
    traveller.stop()
    out = {
        "ratings": rating_rows,
        "complaints": complaint_rows,
        "count_ratings_s": round(base["ratings"], 4),
        "count_complaints_s": round(base["complaints"], 4),
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
