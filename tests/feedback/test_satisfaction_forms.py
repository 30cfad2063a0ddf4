"""The Customer Satisfaction Form (Borang Kepuasan Pelanggan; PY-6.1, PT-4.1): the
office's items (six defaults), a paper form keyed in by its serial number (one per
serial, refused whole on bad input), the form on the counter's tablet naming the ticket
just completed there, and every form filed: listed with filters, shown, printed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction

from tests.feedback.conftest import device_browser, make_tablet, serve
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.feedback import satisfaction_services as forms
from weserve.feedback.satisfaction_models import (
    SatisfactionAnswer,
    SatisfactionForm,
    SatisfactionItem,
)
from weserve.feedback.selectors import TABLET_WINDOW
from weserve.feedback.services import InvalidInput

CODES = ["waiting_time", "courtesy", "knowledge", "clarity", "facilities", "overall"]


def all_items(score=4):
    return dict.fromkeys(CODES, score)


def paper(office, user, serial="BKP-0001", **given):
    values = {"answers": all_items(), "serial": serial} | given
    return forms.file_paper_form(office, forms.FormInput(**values), acting_user=user)


def test_an_office_starts_with_the_six_default_items(tree):
    items = forms.items_for(tree.pj)
    assert [i.code for i in items] == CODES
    assert items[0].label_ms == "Masa menunggu"
    # An office that stops asking an item no longer sees it; the others stay.
    SatisfactionItem.objects.filter(office=tree.pj, code="facilities").update(is_active=False)
    assert "facilities" not in [i.code for i in forms.items_for(tree.pj)]
    assert len(forms.items_for(tree.klang)) == 6


def test_a_paper_form_is_filed_with_its_answers_and_audited(tree, users, clock):
    form = paper(tree.pj, users["petugas"], serial="bkp-0001", comment="Baik", counter="1")
    assert form.serial == "BKP-0001"
    assert form.channel == "paper"
    assert form.counter.number == 1
    assert SatisfactionAnswer.objects.filter(form=form).count() == 6
    assert AuditLog.objects.filter(action="feedback.satisfaction_form.filed").count() == 1


def test_one_form_per_serial_in_an_office(tree, users, clock):
    paper(tree.pj, users["petugas"])
    with pytest.raises(DomainError) as refused:
        paper(tree.pj, users["petugas"], serial="bkp-0001")
    assert refused.value.code == "form_already_filed"
    assert SatisfactionForm.objects.count() == 1
    # Another office may use the same serial on its own forms.
    paper(tree.klang, users["petugas"])
    # And the database says so too, whatever the timing.
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionForm.objects.create(
            office=tree.pj,
            channel="paper",
            serial="BKP-0001",
            filled_on="2026-11-25",
            filed_at="2026-11-25T10:00+08:00",
        )


@pytest.mark.parametrize(
    "given, field",
    [
        ({"answers": all_items() | {"overall": 6}}, "item_overall"),
        ({"answers": all_items() | {"courtesy": True}}, "item_courtesy"),
        ({"answers": {k: 3 for k in CODES[:5]}}, "item_overall"),
        ({"answers": all_items() | {"unknown": 3}}, "answers"),
        ({"answers": "5"}, "answers"),
        ({"serial": ""}, "serial"),
        ({"serial": "A B"}, "serial"),
        ({"serial": "X" * 31}, "serial"),
        ({"filled_on": "2999-01-01"}, "filled_on"),
        ({"filled_on": "0001-01-01"}, "filled_on"),
        ({"filled_on": "yesterday"}, "filled_on"),
        ({"comment": "a\x00b"}, "comment"),
        ({"counter": "99"}, "counter"),
        ({"service": "NOPE"}, "service"),
    ],
)
def test_bad_input_refuses_the_whole_form(tree, users, clock, given, field):
    with pytest.raises(InvalidInput) as refused:
        paper(tree.pj, users["petugas"], **given)
    assert field in refused.value.fields
    assert SatisfactionForm.objects.count() == 0
    assert SatisfactionAnswer.objects.count() == 0


def test_the_tablet_form_names_the_ticket_just_completed_once(tree, users, clock):
    ticket = serve(tree.pj, tree.services["BKK"], users["petugas"])
    device, _token = make_tablet(tree.pj)
    form = forms.file_tablet_form(
        device, forms.FormInput(answers=all_items(5), ticket=ticket.public_id)
    )
    assert form.ticket == ticket
    assert form.served_by == users["petugas"]
    assert form.service == tree.services["BKK"]
    assert form.channel == "tablet"
    with pytest.raises(DomainError) as again:
        forms.file_tablet_form(
            device, forms.FormInput(answers=all_items(5), ticket=ticket.public_id)
        )
    assert again.value.code == "form_already_filed"
    # Another counter's tablet cannot file one for this ticket.
    other, _token = make_tablet(tree.pj, 2, "Tablet 2")
    with pytest.raises(DomainError) as elsewhere:
        forms.file_tablet_form(other, forms.FormInput(answers=all_items(), ticket=ticket.public_id))
    assert elsewhere.value.status in (403, 409)
    assert SatisfactionForm.objects.count() == 1


def test_the_tablet_page_files_a_form(tree, users, clock):
    serve(tree.pj, tree.services["BKK"], users["petugas"])
    _device, token = make_tablet(tree.pj)
    browser = device_browser(token)
    page = browser.get("/feedback/PKMD-PJ/counter/1/form/")
    assert page.status_code == 200
    assert 'name="ticket"' in page.content.decode()
    ticket = page.context["ticket"]
    missing = browser.post(
        "/feedback/PKMD-PJ/counter/1/form/",
        {"ticket": ticket.public_id, "comment": "Bagus", **{f"item_{c}": "4" for c in CODES[:5]}},
    )
    assert missing.status_code == 422
    assert "Bagus" in missing.content.decode()
    assert 'value="4" checked' in missing.content.decode()
    sent = browser.post(
        "/feedback/PKMD-PJ/counter/1/form/",
        {"ticket": ticket.public_id, **{f"item_{c}": "4" for c in CODES}},
    )
    assert sent.status_code == 201
    assert SatisfactionForm.objects.get().ticket == ticket
    # Not paired: shown how to pair, nothing filed.
    from django.test import Client

    assert Client().get("/feedback/PKMD-PJ/counter/1/form/").status_code == 403


def test_staff_key_in_a_form_and_find_and_print_it(tree, users, client_for, clock):
    clerk = client_for("petugas")
    page = clerk.get("/feedback/PKMD-PJ/forms/new/")
    assert page.status_code == 200
    data = {"serial": "BKP-0042", "filled_on": "2026-11-24", **{f"item_{c}": "5" for c in CODES}}
    sent = clerk.post("/feedback/PKMD-PJ/forms/new/", data)
    assert sent.status_code == 302
    twice = clerk.post("/feedback/PKMD-PJ/forms/new/", data)
    assert twice.status_code == 409
    assert "BKP-0042" in twice.content.decode()
    assert SatisfactionForm.objects.count() == 1
    supervisor = client_for("penyelia")
    listing = supervisor.get("/feedback/PKMD-PJ/forms/?serial=bkp-00&channel=paper")
    assert listing.status_code == 200
    assert "BKP-0042" in listing.content.decode()
    assert (
        "BKP-0042" not in supervisor.get("/feedback/PKMD-PJ/forms/?end=2026-11-23").content.decode()
    )
    assert supervisor.get("/feedback/PKMD-PJ/forms/?start=nope").status_code == 422
    form = SatisfactionForm.objects.get()
    assert supervisor.get(f"/feedback/PKMD-PJ/forms/{form.pk}/").status_code == 200
    pdf = supervisor.get(f"/feedback/PKMD-PJ/forms/{form.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Another office's supervisor does not find it.
    assert client_for("jb_penyelia").get(f"/feedback/PKMD-PJ/forms/{form.pk}/").status_code == 404


def test_after_rating_on_the_tablet_the_customer_opens_the_full_form_for_that_visit(
    tree, users, clock
):
    """Item 1 of the issue: the faces, then the full Customer Satisfaction Form from the
    tablet's thanks, about the same visit; its thanks goes back to the faces."""
    ticket = serve(tree.pj, tree.services["BKK"], users["petugas"])
    _device, token = make_tablet(tree.pj)
    browser = device_browser(token)
    thanks = browser.post(
        "/feedback/PKMD-PJ/counter/1/rate/?lang=en",
        {"ticket": ticket.public_id, "score": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert thanks.status_code == 201
    link = re.search(r'href="([^"]+)"[^>]*data-testid="tablet-full-form"', thanks.content.decode())
    assert link, thanks.content.decode()
    assert link.group(1) == "/feedback/PKMD-PJ/counter/1/form/?lang=en"
    assert "Fill in the Customer Satisfaction Form" in thanks.content.decode()
    form_page = browser.get(link.group(1))
    assert form_page.status_code == 200
    # The form is about the visit just rated, in the language the customer chose.
    assert f'name="ticket" value="{ticket.public_id}"' in form_page.content.decode()
    assert f"About your visit with ticket {ticket.number}." in form_page.content.decode()
    assert 'href="/feedback/PKMD-PJ/counter/1/"' in form_page.content.decode()
    sent = browser.post(
        link.group(1), {"ticket": ticket.public_id, **{f"item_{c}": "2" for c in CODES}}
    )
    assert sent.status_code == 201
    assert SatisfactionForm.objects.get().ticket == ticket
    assert ticket.ratings.get().score == 2
    # Its thanks returns to the faces by itself and on a touch.
    assert 'content="8;url=/feedback/PKMD-PJ/counter/1/"' in sent.content.decode()
    # Filed once: the form no longer names that visit.
    again = browser.get(link.group(1))
    assert 'name="ticket"' not in again.content.decode()


def test_the_form_names_no_visit_once_its_time_on_the_tablet_is_over(tree, users, clock):
    ticket = serve(tree.pj, tree.services["BKK"], users["petugas"])
    _device, token = make_tablet(tree.pj)
    browser = device_browser(token)
    form_url = "/feedback/PKMD-PJ/counter/1/form/"
    assert f'value="{ticket.public_id}"' in browser.get(form_url).content.decode()
    clock.shift(TABLET_WINDOW + dt.timedelta(seconds=1))
    page = browser.get(form_url).content.decode()
    assert 'name="ticket"' not in page
