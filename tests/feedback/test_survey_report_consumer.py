"""The heads' survey-report stream, through the real ASGI application and channel layer:
the head of department over the office hears at once that a report was submitted or
acknowledged; the head of another state, and people who are not heads, do not; and the
badge the page fetches on that cue counts the report."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client

from tests.factories import build_office_tree, make_user
from tests.wsclient import WebSocket
from weserve.asgi import application
from weserve.core.roles import Role
from weserve.core.tokens import issue_user_token
from weserve.feedback import survey_services as surveys

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/survey-reports/"


def _auth(user) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {issue_user_token(user)}".encode())]


async def _silent(ws: WebSocket, seconds: float = 0.5) -> bool:
    """Nothing arrives for a while (without receive_output's timeout, which ends the app)."""
    await asyncio.sleep(seconds)
    return ws.output_queue.empty()


def _closed_period(office, supervisor):
    period = surveys.create_period(
        office,
        title="Tinjauan 2026",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        acting_user=supervisor,
    )
    surveys.set_population(
        period, source="entered", number=10, note="Daftar", acting_user=supervisor
    )
    surveys.open_period(period, acting_user=supervisor)
    return surveys.close_period(period, acting_user=supervisor)


def _badge_count(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/feedback/survey-reports/badge/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-live-hint="/ws/survey-reports/"' in html
    return html.split('data-count="', 1)[1].split('"', 1)[0]


def test_the_heads_over_the_office_hear_of_a_report_others_do_not():
    tree = build_office_tree()
    supervisor = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    state_head = make_user("ketua.sgr", tree.sgr, Role.HEAD)
    hq_head = make_user("ketua.hq", tree.hq, Role.HEAD)
    other_head = make_user("ketua.jhr", tree.jhr, Role.HEAD)
    period = _closed_period(tree.pj, supervisor)
    heads = (state_head, hq_head, other_head)
    headers = {u: _auth(u) for u in heads}
    assert [_badge_count(u) for u in heads] == ["0", "0", "0"]

    async def scenario():
        sockets = {u: WebSocket(application, PATH, headers=h) for u, h in headers.items()}
        for ws in sockets.values():
            assert await ws.connect()
        report = await database_sync_to_async(surveys.submit_report)(period, acting_user=supervisor)
        for who in (state_head, hq_head):
            event = await sockets[who].receive_json_from(timeout=3)
            assert event["type"] == "survey_report.submitted"
            assert event["report"] == report.pk
            assert set(event) == {"seq", "type", "report"}
        assert await _silent(sockets[other_head])
        assert await database_sync_to_async(_badge_count)(state_head) == "1"
        assert await database_sync_to_async(_badge_count)(other_head) == "0"
        await database_sync_to_async(surveys.acknowledge_report)(report, acting_user=state_head)
        for who in (state_head, hq_head):
            event = await sockets[who].receive_json_from(timeout=3)
            assert event["type"] == "survey_report.acknowledged"
        assert await _silent(sockets[other_head])
        assert await database_sync_to_async(_badge_count)(state_head) == "0"
        for ws in sockets.values():
            await ws.disconnect()

    async_to_sync(scenario)()


def test_people_who_are_not_heads_and_strangers_are_refused():
    tree = build_office_tree()
    supervisor = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    admin = make_user("hq.admin", tree.hq, Role.ADMIN)

    async def scenario():
        for user in (supervisor, admin):
            headers = await database_sync_to_async(_auth)(user)
            assert not await WebSocket(application, PATH, headers=headers).connect()
        assert not await WebSocket(application, PATH).connect()

    async_to_sync(scenario)()

    # The badge itself is the head's: a supervisor's request is refused.
    client = Client()
    client.force_login(supervisor)
    assert client.get("/feedback/survey-reports/badge/").status_code == 403
