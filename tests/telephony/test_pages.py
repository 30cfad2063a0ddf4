"""The operator console and the officers' inbox, through the pages: answer, transfer with
the words to say, an officer out gets a message, the officer records the call-back."""

from __future__ import annotations

import pytest

from weserve.telephony import services
from weserve.telephony.models import Call, Message

pytestmark = pytest.mark.django_db


def test_console_answers_transfers_and_takes_a_message(tree, users, desk, client_for, clock):
    call = services.ring(tree.pj, caller_number="0123456789", from_exchange=True, language="en")
    operator = client_for("telefonis")
    page = operator.get("/phone/")
    assert page.status_code == 200
    assert 'data-testid="call-row"' in page.content.decode()
    clock.shift(seconds=11)
    listing = operator.get("/phone/calls/").content.decode()
    assert "data-late" in listing
    assert operator.post(f"/phone/calls/{call.pk}/answer/").status_code == 200
    found = operator.get("/phone/directory/", {"q": "OKU", "call": call.pk}).content.decode()
    # Present first: Aminah (in) before Badrul (out).
    assert found.index("Aminah") < found.index("Badrul")
    refused = operator.post(f"/phone/calls/{call.pk}/transfer/", {"officer": desk["badrul"].pk})
    assert refused.status_code == 409
    sent = operator.post(
        f"/phone/calls/{call.pk}/message/",
        {
            "officer": desk["badrul"].pk,
            "caller_name": "Siti",
            "caller_number": "012-345 6789",
            "purpose": "OKU card",
            "urgency": "normal",
        },
    )
    assert sent.status_code == 200
    assert 'data-testid="message-taken"' in sent.content.decode()
    assert Call.objects.get(pk=call.pk).outcome == Call.Outcome.MESSAGE


def test_transfer_shows_the_words(tree, users, desk, client_for, clock):
    call = services.ring(tree.pj, from_exchange=True, language="en")
    operator = client_for("telefonis")
    operator.post(f"/phone/calls/{call.pk}/answer/")
    reply = operator.post(f"/phone/calls/{call.pk}/transfer/", {"officer": desk["aminah"].pk})
    body = reply.content.decode()
    assert 'data-testid="words"' in body
    assert "Aminah binti Ali" in body and "231" in body


def test_the_officer_records_the_call_back(tree, users, desk, client_for, clock):
    message = services.take_message(
        tree.pj,
        acting_user=users["telefonis"],
        officer=desk["aminah"],
        caller_name="Siti",
        caller_number="0123456789",
        purpose="OKU",
    )
    officer = client_for("pegawai")
    inbox = officer.get("/messages/").content.decode()
    assert "Siti" in inbox
    badge = officer.get("/messages/badge/").content.decode()
    assert 'data-count="1"' in badge
    # Somebody else's message is not theirs to record (another office's: 404).
    assert (
        client_for("jb_penyelia")
        .post(f"/messages/{message.pk}/call-back/", {"outcome": "reached"})
        .status_code
        == 404
    )
    assert (
        client_for("petugas")
        .post(f"/messages/{message.pk}/call-back/", {"outcome": "reached"})
        .status_code
        == 403
    )
    done = officer.post(f"/messages/{message.pk}/call-back/", {"outcome": "reached"})
    assert done.status_code == 302
    assert Message.objects.get(pk=message.pk).call_back_outcome == "reached"


def test_roles_and_offices(tree, users, client_for, clock):
    assert client_for("petugas").get("/phone/").status_code == 403
    call = services.ring(tree.jb, from_exchange=True)
    assert client_for("telefonis").get(f"/phone/calls/{call.pk}/").status_code == 404
    assert client_for("telefonis").post(f"/phone/calls/{call.pk}/answer/").status_code == 404


def test_an_officer_sets_presence_in_one_click(tree, users, desk, client_for, clock):
    officer = client_for("pegawai")
    assert officer.post("/messages/presence/", {"presence": "out"}).status_code == 302
    desk["aminah"].refresh_from_db()
    assert desk["aminah"].presence == "out"
    assert officer.post("/messages/presence/", {"presence": "moon"}).status_code == 422
    operator = client_for("telefonis")
    found = operator.get("/phone/directory/", {"q": "Aminah"}).content.decode()
    assert 'data-presence="out"' in found
