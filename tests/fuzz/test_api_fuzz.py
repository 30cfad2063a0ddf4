"""The API fuzzed (issue 13, item 5): schemathesis over every operation of the OpenAPI
document, with a staff member's token and with a kiosk's, on demo data.

Each operation gets `EXAMPLES` generated cases, valid and invalid (Hypothesis with a fixed
seed, so a run is repeatable), half of them aimed at real records (the demo office, its
counters and tickets) so that they reach more than the 404s. Every case is sent twice, once
per token, in process through Django's WSGI handler (the whole middleware stack), and each
answer must be no 5xx, have a status the document lists for the operation, and match the
schema the document gives for that status.

Not part of the ordinary run: `python3 dev.py test -m fuzz` (its own CI step, SQLite).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import FIGURES
from tests.queueing.conftest import MORNING
from weserve.api import api
from weserve.core.models import User
from weserve.core.tokens import issue_user_token
from weserve.knowledge.models import Article
from weserve.organisation.demo import DEMO_PASSWORD, load_demo
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, Device, Office, Service
from weserve.queueing import services

pytestmark = pytest.mark.fuzz

# Examples per operation; each is two requests. About 60 s on SQLite (docs/reliability.md).
EXAMPLES = int(os.environ.get("WESERVE_FUZZ_EXAMPLES", "50"))
# CI's run is the same every time (Hypothesis derandomised); another seed explores further.
SEED = os.environ.get("WESERVE_FUZZ_SEED")
OFFICE = "PKMD-PJ"
# Body fields that name records or must be well-formed, aimed at real or valid values in
# half of the cases (see `_aim_body`), so that a register entry or a look-up can succeed.
BODY_FIELDS = ("service", "counter", "username", "password", "mykad", "phone", "forms")

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = {op.ok().label: op.ok() for op in SCHEMA.get_all_operations()}


@pytest.fixture(scope="session")
def office_hours() -> Any:
    """A Wednesday morning when the demo office is open, whenever CI runs; the clock
    ticks on from there."""
    with time_machine.travel(MORNING, tick=True):
        yield


@pytest.fixture(scope="session")
def demo_world(office_hours: None, django_db_setup: None, django_db_blocker: Any) -> dict[str, Any]:
    """The demo data, a supervisor's token and a kiosk's, and real records to aim at:
    made once, committed to the test database; each test's transaction undoes what its
    requests changed."""
    with django_db_blocker.unblock():
        return _make_world()


@pytest.fixture
def world(demo_world: dict[str, Any], db: None) -> dict[str, Any]:
    return demo_world


def _make_world() -> dict[str, Any]:
    load_demo()
    office = Office.objects.get(code=OFFICE)
    supervisor = User.objects.get(username="penyelia")
    _, kiosk_token = create_device(office, Device.Kind.KIOSK, "Kiosk fuzz")
    counters = list(Counter.objects.filter(office=office, is_active=True).order_by("number"))
    offered = list(Service.objects.offered_at(office))
    tickets = [
        services.issue_ticket_by_staff(supervisor, office, service).ticket
        for service in offered[:3]
    ]
    services.open_counter(counters[0], acting_user=supervisor)
    called = services.call_next(counters[0], acting_user=supervisor)
    articles = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:5])
    return {
        "tokens": {"staff": issue_user_token(supervisor), "kiosk": kiosk_token},
        "real": {
            "office_code": [office.code],
            "counter_id": [c.pk for c in counters],
            "ticket_id": [t.public_id for t in tickets] + ([called.public_id] if called else []),
            "service": [s.code for s in offered],
            "counter": [c.pk for c in counters],
            "username": ["penyelia", "petugas1"],
            "password": [DEMO_PASSWORD, "not-the-password"],
            "mykad": [None, "850101-14-5123"],
            "phone": [None, "012-345 6789"],
            "forms": [[], [{"code": "BKK-01", "quantity": 2}]],
            # The reference shelf's articles (the demo's), and one that does not exist.
            "article_id": [*articles, 999_999],
        },
    }


@pytest.fixture
def app():
    """Django's WSGI application, on the test's database connection: like Django's test
    client, requests do not close the connection (the test's transaction) when they end."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _aim_body(case: Any, picks: dict[str, Any]) -> Any:
    """The case with the body's fields that name records (a service, a counter, a
    username) naming real ones, and a MyKad number, phone and forms that are valid."""
    if isinstance(case.body, dict):
        for name, value in picks.items():
            if name in case.body:
                case.body[name] = value
    return case


def _strategy(operation: Any, real: dict[str, list[Any]]) -> st.SearchStrategy:
    """Valid and invalid cases as schemathesis makes them, and valid ones aimed at real
    records: the demo office, its counters, tickets and services."""
    modes = [GenerationMode.POSITIVE]
    if operation.path_parameters or operation.query or operation.body:
        modes.append(GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    names = [p.name for p in operation.path_parameters]
    aimed_path = st.fixed_dictionaries({n: st.sampled_from(real[n]) for n in names})
    aimed = aimed_path.flatmap(lambda params: operation.as_strategy(path_parameters=params))
    if operation.body:
        picks = st.fixed_dictionaries({n: st.sampled_from(real[n]) for n in BODY_FIELDS})
        aimed = st.tuples(aimed, picks).map(lambda pair: _aim_body(*pair))
    if names or operation.body:
        strategies += [aimed, aimed]  # half of the cases
    return st.one_of(strategies)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_answers_as_documented(label: str, world: dict[str, Any], app: Any) -> None:
    operation = OPERATIONS[label]

    @settings(
        max_examples=EXAMPLES,
        derandomize=SEED is None,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, world["real"]))
    def run(case: Any) -> None:
        FIGURES["examples"][label] += 1
        for token in world["tokens"].values():
            response = case.call(app=app, headers={"Authorization": f"Bearer {token}"})
            FIGURES["requests"][label] += 1
            FIGURES["statuses"][response.status_code] += 1
            FIGURES["by_operation"][(label, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS)

    if SEED is not None:
        run = seed(int(SEED))(run)
    run()
