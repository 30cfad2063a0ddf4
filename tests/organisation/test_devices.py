"""Device administration pages and browser pairing at /pair/."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from weserve.core.models import AuditLog
from weserve.core.tokens import hash_token
from weserve.organisation.device_views import DEVICE_COOKIE_MAX_AGE, device_home_url
from weserve.organisation.devices import (
    PAIRING_ATTEMPT_LIMIT,
    create_device,
    create_pairing_code,
    revoke_device,
)
from weserve.organisation.models import Counter, Device, PairingCode

START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def pj_kiosk(tree):
    device, _token = create_device(tree.pj, "kiosk", "Entrance kiosk")
    return device


@pytest.fixture
def jb_kiosk(tree):
    device, _token = create_device(tree.jb, "kiosk", "JB kiosk")
    return device


def api_status(token: str, *, cookie: bool = False) -> int:
    client = Client()
    if cookie:
        client.cookies[settings.DEVICE_COOKIE_NAME] = token
        return client.get("/api/v1/offices").status_code
    return client.get("/api/v1/offices", headers={"Authorization": f"Bearer {token}"}).status_code


def pair(code: str, address: str = "192.0.2.50") -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    return client, client.post(reverse("pair"), {"code": code})


def shown_pairing_code(response) -> str:
    match = re.search(r'data-testid="pairing-code">([A-Z0-9-]+)<', response.content.decode())
    assert match, "the page shows the pairing code"
    return match.group(1)


# --- who may use the administration pages -------------------------------------------


def test_admin_sees_only_the_current_offices_devices(client_for, pj_kiosk, jb_kiosk):
    response = client_for("admin").get(reverse("device_list"))

    assert response.status_code == 200
    assert list(response.context["devices"]) == [pj_kiosk]
    assert b"JB kiosk" not in response.content


@pytest.mark.parametrize("role", ["penyelia", "petugas", "telefonis", "pegawai", "ketua"])
def test_other_roles_are_refused_with_403(client_for, pj_kiosk, role):
    client = client_for(role)

    assert client.get(reverse("device_list")).status_code == 403
    assert client.get(reverse("device_create")).status_code == 403
    assert client.post(reverse("device_create"), {"kind": "kiosk"}).status_code == 403
    assert client.post(reverse("device_pairing_code", args=[pj_kiosk.pk])).status_code == 403
    assert client.post(reverse("device_revoke", args=[pj_kiosk.pk])).status_code == 403
    assert Device.objects.get(pk=pj_kiosk.pk).revoked_at is None
    assert not PairingCode.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(pj_kiosk):
    response = Client().get(reverse("device_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_offices_device_is_404(client_for, jb_kiosk):
    client = client_for("admin")

    assert client.post(reverse("device_pairing_code", args=[jb_kiosk.pk])).status_code == 404
    assert client.get(reverse("device_revoke", args=[jb_kiosk.pk])).status_code == 404
    assert client.post(reverse("device_revoke", args=[jb_kiosk.pk])).status_code == 404
    assert Device.objects.get(pk=jb_kiosk.pk).revoked_at is None


def test_hq_admin_works_on_the_office_chosen_in_the_switcher(client_for, tree, pj_kiosk):
    client = client_for("hq_admin")
    client.post(reverse("switch_office"), {"office": tree.pj.pk})

    response = client.get(reverse("device_list"))

    assert response.status_code == 200
    assert list(response.context["devices"]) == [pj_kiosk]


def test_admin_sees_the_devices_menu_entry_and_staff_do_not(client_for):
    url = reverse("device_list")

    admin_menu = [i["url"] for i in client_for("admin").get("/").context["nav_items"]]
    staff_menu = [i["url"] for i in client_for("petugas").get("/").context["nav_items"]]

    assert url in admin_menu
    assert url not in staff_menu


# --- creating a device ---------------------------------------------------------------


def test_creating_a_device_shows_its_token_once(client_for, tree):
    client = client_for("admin")

    response = client.post(reverse("device_create"), {"kind": "kiosk", "name": "Lobby kiosk"})

    assert response.status_code == 200
    token = response.context["token"]
    device = Device.objects.get()
    assert (device.office, device.kind, device.name) == (tree.pj, "kiosk", "Lobby kiosk")
    assert device.token_hash == hash_token(token)
    assert f'data-testid="device-token">{token}<'.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    assert token.encode() not in client.get(reverse("device_list")).content
    assert api_status(token) == 200
    assert AuditLog.objects.filter(action="organisation.device.created").count() == 1


def test_a_device_without_a_name_is_named_after_its_kind(client_for):
    client = client_for("admin")
    client.post(reverse("device_create"), {"kind": "display", "name": ""})
    client.post(reverse("device_create"), {"kind": "display", "name": "  "})

    names = sorted(Device.objects.values_list("name", flat=True))
    assert [n[-2:] for n in names] == [" 1", " 2"]
    assert names[0][:-2] == names[1][:-2] != ""


def test_a_rating_tablet_is_bound_to_a_counter_of_the_office(client_for, tree):
    counter = Counter.objects.get(office=tree.pj, number=2)

    response = client_for("admin").post(
        reverse("device_create"), {"kind": "rating", "name": "Tablet", "counter": counter.pk}
    )

    assert response.status_code == 200
    assert Device.objects.get().counter == counter


def test_a_rating_tablet_without_a_counter_is_refused(client_for):
    response = client_for("admin").post(reverse("device_create"), {"kind": "rating"})

    assert response.status_code == 422
    assert response.context["form"].errors["counter"]
    assert not Device.objects.exists()


def test_a_counter_of_another_office_is_refused(client_for, tree):
    jb_counter = Counter.objects.get(office=tree.jb, number=1)

    response = client_for("admin").post(
        reverse("device_create"), {"kind": "rating", "counter": jb_counter.pk}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["counter"]
    assert not Device.objects.exists()


def test_a_counter_for_a_kiosk_is_refused(client_for, tree):
    counter = Counter.objects.get(office=tree.pj, number=1)

    response = client_for("admin").post(
        reverse("device_create"), {"kind": "kiosk", "counter": counter.pk}
    )

    assert response.status_code == 422
    assert not Device.objects.exists()


def test_an_unknown_kind_is_refused(client_for):
    response = client_for("admin").post(reverse("device_create"), {"kind": "toaster"})

    assert response.status_code == 422
    assert response.context["form"].errors["kind"]
    assert not Device.objects.exists()


def test_the_create_form_offers_only_the_offices_active_counters(client_for, tree):
    Counter.objects.filter(office=tree.pj, number=2).update(is_active=False)

    form = client_for("admin").get(reverse("device_create")).context["form"]

    assert list(form.fields["counter"].queryset) == [Counter.objects.get(office=tree.pj, number=1)]


# --- pairing codes and /pair/ -------------------------------------------------------


def test_pairing_code_page_shows_a_code_that_pairs_the_browser(client_for, pj_kiosk):
    page = client_for("admin").post(reverse("device_pairing_code", args=[pj_kiosk.pk]))
    code = shown_pairing_code(page)

    browser, response = pair(code)

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert response.status_code == 302
    assert response["Location"] == device_home_url(pj_kiosk)
    cookie = response.cookies[settings.DEVICE_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    assert int(cookie["max-age"]) == DEVICE_COOKIE_MAX_AGE >= 365 * 24 * 3600
    assert cookie.value not in response["Location"]
    assert api_status(cookie.value, cookie=True) == 200


def test_the_paired_page_says_which_device_and_office(pj_kiosk):
    code = create_pairing_code(pj_kiosk)
    browser, _response = pair(code)

    page = browser.get(reverse("device_paired"))

    assert page.status_code == 200
    assert page.context["device"] == pj_kiosk
    assert b"Entrance kiosk" in page.content
    assert b"PKMD-PJ" in page.content


def test_the_paired_page_without_a_cookie_says_not_paired(db):
    page = Client().get(reverse("device_paired"))

    assert page.status_code == 200
    assert page.context["device"] is None


def test_device_cookie_is_secure_under_https(pj_kiosk, settings):
    settings.HTTPS = True
    code = create_pairing_code(pj_kiosk)

    _browser, response = pair(code)

    assert response.cookies[settings.DEVICE_COOKIE_NAME]["secure"]


def test_codes_are_accepted_in_lower_case_and_with_spaces(pj_kiosk):
    code = create_pairing_code(pj_kiosk)
    typed = f" {code[:4].lower()} {code[4:].lower()} "

    _browser, response = pair(typed)

    assert response.status_code == 302


def test_pairing_replaces_the_devices_old_token(tree):
    device, old_token = create_device(tree.pj, "display", "Board")
    code = create_pairing_code(device)

    _browser, response = pair(code)

    new_token = response.cookies[settings.DEVICE_COOKIE_NAME].value
    assert api_status(old_token) == 401
    assert api_status(new_token) == 200


def test_a_used_code_cannot_pair_again(pj_kiosk):
    code = create_pairing_code(pj_kiosk)
    pair(code)

    _browser, response = pair(code)

    assert response.status_code == 422
    assert response.context["form"].errors["code"]
    assert settings.DEVICE_COOKIE_NAME not in response.cookies


def test_a_wrong_code_is_a_form_error(pj_kiosk):
    create_pairing_code(pj_kiosk)

    _browser, response = pair("AAAA-AAAA")

    assert response.status_code == 422
    assert response.context["form"].errors["code"]
    assert settings.DEVICE_COOKIE_NAME not in response.cookies


def test_an_empty_code_is_a_form_error(db):
    _browser, response = pair("")

    assert response.status_code == 422
    assert response.context["form"].errors["code"]


def test_a_code_expires_after_its_ttl(pj_kiosk):
    ttl = dt.timedelta(minutes=settings.PAIRING_CODE_TTL_MINUTES)
    with time_machine.travel(START, tick=False) as traveller:
        code = create_pairing_code(pj_kiosk)
        traveller.move_to(START + ttl + dt.timedelta(seconds=1))
        _browser, late = pair(code)

    assert late.status_code == 422
    assert late.context["form"].errors["code"]


def test_a_code_works_until_just_before_it_expires(pj_kiosk):
    ttl = dt.timedelta(minutes=settings.PAIRING_CODE_TTL_MINUTES)
    with time_machine.travel(START, tick=False) as traveller:
        code = create_pairing_code(pj_kiosk)
        traveller.move_to(START + ttl - dt.timedelta(seconds=1))
        _browser, response = pair(code)

    assert response.status_code == 302


def test_a_new_code_retires_the_older_unused_one(pj_kiosk):
    older = create_pairing_code(pj_kiosk)
    newer = create_pairing_code(pj_kiosk)

    _b, with_older = pair(older)
    _b, with_newer = pair(newer)

    assert with_older.status_code == 422
    assert with_newer.status_code == 302


def test_a_revoked_devices_code_cannot_pair(pj_kiosk):
    code = create_pairing_code(pj_kiosk)
    revoke_device(pj_kiosk)

    _browser, response = pair(code)

    assert response.status_code == 422


def test_the_exchange_gets_no_pairing_code(client_for, tree):
    exchange, token = create_device(tree.pj, "exchange", "PBX")

    response = client_for("admin").post(reverse("device_pairing_code", args=[exchange.pk]))

    assert response.status_code == 302
    assert not PairingCode.objects.exists()
    assert api_status(token) == 200


def test_wrong_guesses_are_limited_per_address(pj_kiosk):
    code = create_pairing_code(pj_kiosk)
    for _ in range(PAIRING_ATTEMPT_LIMIT):
        assert pair("WRONG-CODE")[1].status_code == 422

    _b, blocked = pair(code)
    _b, elsewhere = pair(code, address="192.0.2.99")

    assert blocked.status_code == 429
    assert blocked.context["form"].errors["code"]
    assert elsewhere.status_code == 302


def test_the_guess_limit_lifts_after_15_minutes(pj_kiosk):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(PAIRING_ATTEMPT_LIMIT):
            pair("WRONG-CODE")
        traveller.move_to(START + dt.timedelta(minutes=16))
        code = create_pairing_code(pj_kiosk)
        _b, response = pair(code)

    assert response.status_code == 302


def test_failed_pairing_attempts_are_audited(db):
    pair("WRONG-CODE", address="192.0.2.77")

    entry = AuditLog.objects.get(action="organisation.device.pairing_failed")
    assert entry.ip == "192.0.2.77"


def test_pairing_page_needs_no_sign_in(db):
    response = Client().get(reverse("pair"))

    assert response.status_code == 200
    assert "form" in response.context


def test_pairing_page_is_csrf_protected(pj_kiosk):
    code = create_pairing_code(pj_kiosk)
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("pair"), {"code": code})

    assert response.status_code == 403
    assert PairingCode.objects.get().used_at is None


# --- revoking ------------------------------------------------------------------------


def test_revoking_asks_first_then_stops_token_and_cookie(client_for, pj_kiosk):
    code = create_pairing_code(pj_kiosk)
    _browser, paired = pair(code)
    cookie_token = paired.cookies[settings.DEVICE_COOKIE_NAME].value
    client = client_for("admin")

    confirm = client.get(reverse("device_revoke", args=[pj_kiosk.pk]))
    assert Device.objects.get(pk=pj_kiosk.pk).revoked_at is None
    response = client.post(reverse("device_revoke", args=[pj_kiosk.pk]))

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("device_list")
    assert Device.objects.get(pk=pj_kiosk.pk).revoked_at is not None
    assert api_status(cookie_token, cookie=True) == 401
    assert AuditLog.objects.filter(action="organisation.device.revoked").count() == 1


def test_revoked_devices_stay_listed_as_revoked(client_for, pj_kiosk):
    revoke_device(pj_kiosk)

    response = client_for("admin").get(reverse("device_list"))

    assert list(response.context["devices"]) == [pj_kiosk]
    assert b'class="badge badge-danger" data-testid="device-status"' in response.content
    assert reverse("device_pairing_code", args=[pj_kiosk.pk]).encode() not in response.content


def test_revoking_twice_changes_nothing(client_for, pj_kiosk):
    client = client_for("admin")
    client.post(reverse("device_revoke", args=[pj_kiosk.pk]))
    first = Device.objects.get(pk=pj_kiosk.pk).revoked_at

    client.post(reverse("device_revoke", args=[pj_kiosk.pk]))

    assert Device.objects.get(pk=pj_kiosk.pk).revoked_at == first
    assert AuditLog.objects.filter(action="organisation.device.revoked").count() == 1


def test_device_list_records_when_a_device_was_last_seen(client_for, tree):
    device, token = create_device(tree.pj, "display", "Board")
    assert device.last_seen_at is None

    api_status(token)

    assert Device.objects.get(pk=device.pk).last_seen_at is not None
