"""Every input of the admin's forms has a name a screen reader can read (issue 14, item 9):
the rows of a tabular inline (a counter's services, an office's hours) show column
headers, not labels, and the date and time of a split field share one label."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from weserve.organisation.models import Counter, StaffMember

pytestmark = pytest.mark.django_db


class Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "label" and attributes.get("for"):
            self.labelled.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.inputs.append(attributes)


def unnamed(html: str) -> list[str]:
    parser = Inputs()
    parser.feed(html)
    return [
        attributes.get("name", "?")
        for attributes in parser.inputs
        if attributes.get("type") not in ("submit", "button")
        and attributes.get("id") not in parser.labelled
        and not attributes.get("aria-label")
        and not attributes.get("aria-labelledby")
        and "__prefix__" not in attributes.get("name", "")
    ]


@pytest.fixture
def admin_client(users) -> Client:
    user = users["admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_a_counters_service_rows_name_every_input(admin_client, tree):
    counter = Counter.objects.get(office=tree.pj, number=1)
    html = admin_client.get(f"/admin/organisation/counter/{counter.pk}/change/").content.decode()
    assert 'name="service_links-0-service"' in html
    assert unnamed(html) == []
    assert 'aria-label="Perkhidmatan"' in html  # the row's service, named by its column


def test_the_staff_form_names_the_date_and_the_time_of_the_expected_return(admin_client, users):
    member = StaffMember.objects.get(user=users["petugas"])
    html = admin_client.get(f"/admin/organisation/staffmember/{member.pk}/change/").content
    html = html.decode()
    assert 'name="expected_return_0"' in html and 'name="expected_return_1"' in html
    assert unnamed(html) == []


def test_the_add_forms_name_every_input(admin_client):
    for url in ("/admin/organisation/counter/add/", "/admin/organisation/staffmember/add/"):
        assert unnamed(admin_client.get(url).content.decode()) == [], url


def test_favicon_ico_leads_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/weserve/img/favicon.svg")
