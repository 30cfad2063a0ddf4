"""The suggestion and complaint box (PY-6.3 ii): each opening logged (date, who opened,
witness, number of slips), each slip keyed in as a complaint (a BAP complaint of channel
"suggestion box"), a suggestion or a compliment; no more slips than the opening logged;
suggestions and compliments kept as records with the action taken."""

from __future__ import annotations

import pytest
import time_machine

from tests.feedback.test_complaints import THURSDAY
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.feedback import box_services as box
from weserve.feedback import complaint_services as complaints
from weserve.feedback.box_models import BoxOpening, BoxSlip, Remark
from weserve.feedback.complaint_models import Complaint
from weserve.feedback.services import InvalidInput


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


def opening(tree, users, slips=2):
    return box.record_opening(
        tree.pj,
        opened_on="2026-07-09",
        opened_by=users["penyelia"],
        witness="Tan Mei Ling",
        slip_count=slips,
        acting_user=users["penyelia"],
    )


def test_an_opening_is_logged_and_its_slips_keyed_in(tree, users):
    found = opening(tree, users)
    slip = box.key_slip(
        found,
        kind="complaint",
        acting_user=users["aduan"],
        complaint=complaints.ComplaintInput(category="amenities", description="Tandas rosak."),
    )
    assert slip.complaint.channel == "suggestion_box"
    assert slip.complaint.reference == "BAP-PKMD-PJ-2026-000001"
    compliment = box.key_slip(
        found, kind="compliment", acting_user=users["aduan"], topic="staff", text="Terima kasih."
    )
    assert compliment.remark.kind == "compliment"
    assert compliment.remark.channel == "suggestion_box"
    assert compliment.remark.received_on.isoformat() == "2026-07-09"
    # The opening held two slips: a third is refused and changes nothing.
    with pytest.raises(DomainError) as full:
        box.key_slip(found, kind="suggestion", acting_user=users["aduan"], topic="other", text="x")
    assert full.value.code == "box_opening_full"
    assert BoxSlip.objects.count() == 2
    assert Remark.objects.count() == 1
    assert AuditLog.objects.filter(action="feedback.box.opened").count() == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"witness": ""}, "witness"),
        ({"slip_count": "-1"}, "slip_count"),
        ({"slip_count": "lots"}, "slip_count"),
        ({"slip_count": True}, "slip_count"),
        ({"opened_on": "9999-12-31"}, "opened_on"),
        ({"opened_by": None}, "opened_by"),
    ],
)
def test_a_bad_opening_is_refused_whole(tree, users, changes, field):
    given = {
        "opened_on": "2026-07-09",
        "opened_by": users["penyelia"],
        "witness": "Saksi",
        "slip_count": "3",
    } | changes
    with pytest.raises(InvalidInput) as refused:
        box.record_opening(tree.pj, acting_user=users["penyelia"], **given)
    assert field in refused.value.fields
    assert BoxOpening.objects.count() == 0


def test_a_staff_member_of_another_office_cannot_be_the_opener(tree, users):
    with pytest.raises(InvalidInput):
        box.record_opening(
            tree.pj,
            opened_on="2026-07-09",
            opened_by=users["jb_penyelia"],
            witness="Saksi",
            slip_count=1,
            acting_user=users["penyelia"],
        )


def test_a_refused_complaint_slip_keys_nothing(tree, users):
    found = opening(tree, users)
    with pytest.raises(InvalidInput):
        box.key_slip(
            found,
            kind="complaint",
            acting_user=users["aduan"],
            complaint=complaints.ComplaintInput(category="nope", description=""),
        )
    assert Complaint.objects.count() == 0
    assert BoxSlip.objects.count() == 0


def test_the_box_pages(tree, users, client_for):
    supervisor = client_for("penyelia")
    page = supervisor.get("/feedback/PKMD-PJ/box/")
    assert page.status_code == 200
    bad = supervisor.post(
        "/feedback/PKMD-PJ/box/",
        {
            "opened_on": "2026-07-09",
            "opened_by": str(users["penyelia"].pk),
            "witness": "",
            "slip_count": "2",
        },
    )
    assert bad.status_code == 422
    made = supervisor.post(
        "/feedback/PKMD-PJ/box/",
        {
            "opened_on": "2026-07-09",
            "opened_by": str(users["penyelia"].pk),
            "witness": "Saksi",
            "slip_count": "1",
        },
    )
    assert made.status_code == 302
    found = BoxOpening.objects.get()
    keyed = supervisor.post(
        f"/feedback/PKMD-PJ/box/{found.pk}/",
        {"kind": "suggestion", "topic": "facilities", "text": "Tambah kerusi."},
    )
    assert keyed.status_code == 302
    again = supervisor.post(
        f"/feedback/PKMD-PJ/box/{found.pk}/",
        {"kind": "suggestion", "topic": "facilities", "text": "Lagi."},
    )
    assert again.status_code == 409
    remark = Remark.objects.get()
    supervisor.post(
        f"/feedback/PKMD-PJ/remarks/{remark.pk}/action/", {"action": "Kerusi ditambah."}
    )
    remark.refresh_from_db()
    assert remark.action == "Kerusi ditambah."
    assert remark.actioned_at is not None
    # A counter clerk may not log openings; another office does not see this one.
    assert client_for("petugas").post("/feedback/PKMD-PJ/box/", {}).status_code == 403
    assert client_for("jb_penyelia").get(f"/feedback/PKMD-PJ/box/{found.pk}/").status_code == 404
    listing = supervisor.get("/feedback/PKMD-PJ/remarks/?kind=suggestion")
    assert "Tambah kerusi." in listing.content.decode()
    recorded = supervisor.post(
        "/feedback/PKMD-PJ/remarks/",
        {"kind": "compliment", "topic": "staff", "text": "Bagus", "channel": "counter"},
    )
    assert recorded.status_code == 302
    refused = supervisor.post(
        "/feedback/PKMD-PJ/remarks/",
        {"kind": "compliment", "topic": "staff", "text": "Bagus", "channel": "suggestion_box"},
    )
    assert refused.status_code == 422
