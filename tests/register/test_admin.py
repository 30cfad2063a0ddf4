"""The register in the admin: office-scoped, entries read-only, MyKad masked."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.register.conftest import MYKAD
from weserve.register import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(users):
    from tests.factories import make_user
    from weserve.core.roles import Role
    from weserve.organisation.models import Office

    jb_admin = make_user("admin.jb", Office.objects.get(code="PKMD-JB"), Role.ADMIN)
    for user in (users["admin"], jb_admin):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    clients = {}
    for key, user in (("pj", users["admin"]), ("jb", jb_admin)):
        clients[key] = Client()
        clients[key].force_login(user)
    return clients


@pytest.fixture
def entry(tree, users, clock, catalogue):
    return services.record_walk_in(
        tree.pj,
        acting_user=users["petugas"],
        service=tree.services["INFO"],
        name="Siti binti Ahmad",
        mykad=MYKAD,
        category="other",
        purpose="Pertanyaan",
        action="info",
        forms=[services.FormLine("JKM18", 1)],
    )


def test_the_offices_admin_sees_the_entry_with_the_mykad_masked(admins, entry):
    listing = admins["pj"].get("/admin/register/registerentry/")
    assert listing.status_code == 200
    page = admins["pj"].get(f"/admin/register/registerentry/{entry.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "******-**-5123" in html
    assert "850101" not in html and "850101" not in listing.content.decode()


def test_entries_cannot_be_added_or_changed_in_the_admin(admins, entry):
    assert admins["pj"].get("/admin/register/registerentry/add/").status_code == 403
    response = admins["pj"].post(
        f"/admin/register/registerentry/{entry.pk}/change/", {"name": "Lain"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.name == "Siti binti Ahmad"


def test_another_districts_entries_and_forms_are_404(admins, entry, catalogue):
    jb = admins["jb"]
    assert jb.get(f"/admin/register/registerentry/{entry.pk}/change/").status_code == 404
    assert jb.get(f"/admin/register/jkmform/{catalogue['JKM18'].pk}/change/").status_code == 404
    assert "JKM20" not in jb.get("/admin/register/jkmform/").content.decode()


def test_the_offices_admin_keeps_its_form_catalogue(admins, tree, catalogue):
    from weserve.register.models import JkmForm

    response = admins["pj"].post(
        "/admin/register/jkmform/add/",
        {
            "office": tree.pj.pk,
            "code": "JKM99",
            "title": "Borang baharu",
            "language": "ms",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert JkmForm.objects.filter(office=tree.pj, code="JKM99").exists()
    duplicate = admins["pj"].post(
        f"/admin/register/jkmform/{catalogue['JKM20'].pk}/change/",
        {"code": "JKM18", "title": "x", "language": "ms"},
    )
    assert duplicate.status_code == 200  # the form again, with the error
    assert JkmForm.objects.filter(office=tree.pj, code="JKM18").count() == 1


def test_referrals_are_read_only_in_the_admin_and_scoped_to_the_office(admins, entry, users):
    referral = services.refer(entry, acting_user=users["petugas"], officer=users["pegawai"].staff)
    url = f"/admin/register/referral/{referral.pk}/change/"
    page = admins["pj"].get(url)
    assert page.status_code == 200
    assert "850101" not in page.content.decode()
    assert admins["pj"].post(url, {"status": "closed"}).status_code == 403
    assert admins["pj"].get("/admin/register/referral/add/").status_code == 403
    assert admins["jb"].get(url).status_code == 404
    referral.refresh_from_db()
    assert referral.status == "pending"
