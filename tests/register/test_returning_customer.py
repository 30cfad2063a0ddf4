"""find_returning_customer: earlier visits found by the MyKad's keyed hash, audited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.register.conftest import MYKAD, OTHER_MYKAD
from weserve.core import crypto
from weserve.core.models import AuditLog
from weserve.core.personal import MYKAD_LOOKUP
from weserve.register import services
from weserve.register.services import InvalidEntry

pytestmark = pytest.mark.django_db


def _walk_in(office, user, service, mykad, name="Siti binti Ahmad"):
    return services.record_walk_in(
        office,
        acting_user=user,
        service=service,
        name=name,
        mykad=mykad,
        category="other",
        purpose="Pertanyaan",
        action="info",
    )


@pytest.fixture
def visits(tree, users, clock):
    info = tree.services["INFO"]
    first = _walk_in(tree.pj, users["petugas"], info, MYKAD)
    clock.shift(60 * 60 * 24)
    second = _walk_in(tree.pj, users["penyelia"], info, "850101145123")
    _walk_in(tree.pj, users["petugas"], info, OTHER_MYKAD, name="Orang lain")
    _walk_in(tree.pj, users["petugas"], info, "")
    # The same person at another district: not this office's register.
    _walk_in(tree.jb, users["jb_petugas"], info, MYKAD)
    return first, second


def test_earlier_visits_at_this_office_are_found_newest_first(tree, users, visits):
    first, second = visits
    found = services.find_returning_customer(tree.pj, MYKAD, acting_user=users["petugas"])
    assert [e.pk for e in found] == [second.pk, first.pk]
    assert {e.mykad.masked for e in found} == {"******-**-5123"}


def test_the_look_up_is_a_query_on_the_hash_column(tree, users, visits):
    with CaptureQueriesContext(connection) as queries:
        services.find_returning_customer(tree.pj, "850101-14-5123", acting_user=users["petugas"])
    lookups = [q["sql"] for q in queries if 'FROM "register_registerentry"' in q["sql"]]
    assert len(lookups) == 1
    assert '"register_registerentry"."mykad_hash" IN' in lookups[0]
    assert crypto.lookup_hash("850101145123") in lookups[0]
    # The number itself is never sent to the database to compare.
    assert "850101" not in lookups[0]


def test_the_look_up_is_audited_without_the_number(tree, users, visits):
    services.find_returning_customer(tree.pj, MYKAD, acting_user=users["petugas"])
    log = AuditLog.objects.get(action=MYKAD_LOOKUP)
    assert log.user == users["petugas"]
    assert log.office_code == "PKMD-PJ"
    assert log.data["record_type"] == "register.registerentry"
    assert log.data["matches"] == 2
    assert sorted(log.data["ids"]) == sorted(str(v.pk) for v in visits)
    assert "850101" not in str(log.data)
    assert crypto.lookup_hash("850101145123") not in str(log.data)


def test_an_unknown_number_finds_nothing_and_is_audited_too(tree, users, visits):
    found = services.find_returning_customer(
        tree.pj, "010101-10-1234", acting_user=users["petugas"]
    )
    assert found == []
    assert AuditLog.objects.get(action=MYKAD_LOOKUP).data["matches"] == 0


@pytest.mark.parametrize("bad", ["", "8501011451", "850101-14-5123\x00", True, None])
def test_a_malformed_number_is_refused_and_not_looked_up(tree, users, visits, bad):
    with pytest.raises(InvalidEntry) as refused:
        services.find_returning_customer(tree.pj, bad, acting_user=users["petugas"])
    assert set(refused.value.fields) == {"mykad"}
    assert not AuditLog.objects.filter(action=MYKAD_LOOKUP).exists()
