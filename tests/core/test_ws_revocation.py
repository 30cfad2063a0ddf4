"""Revoking a credential closes the sockets it opened; handshakes check Origin.

Through the real ASGI application and channel layer (in memory here; Redis when REDIS_URL
is set, as across workers): a display, a counter console or a supervisor's screen that
lost its credential stops receiving events within seconds, not at its next reconnect.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import PASSWORD, build_office_tree, issue_ticket, make_user
from tests.organisation.test_admin import changeform_data
from tests.wsclient import WebSocket
from weserve.asgi import application
from weserve.core.accounts import account_deactivated
from weserve.core.live import CLOSE_REVOKED
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.organisation.devices import create_device, create_pairing_code, redeem_pairing_code

pytestmark = pytest.mark.django_db(transaction=True)

DISPLAY = "/ws/offices/PKMD-PJ/display/"
COUNTERS = "/ws/offices/PKMD-PJ/counters/"
CLOSE_WITHIN_SECONDS = 3


def bearer(token: str) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {token}".encode())]


def cookie(name: str, value: str) -> list[tuple[bytes, bytes]]:
    return [(b"cookie", f"{name}={value}".encode())]


def session_of(client: Client) -> list[tuple[bytes, bytes]]:
    return cookie(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)


async def open_socket(path: str, headers: list[tuple[bytes, bytes]]) -> WebSocket:
    ws = WebSocket(application, path, headers=headers)
    assert await ws.connect(), f"{path} refused"
    return ws


async def close_code(ws: WebSocket) -> Any:
    """The code the server closed the socket with, waiting at most a few seconds."""
    message = await ws.receive_output(CLOSE_WITHIN_SECONDS)
    while message["type"] == "websocket.send":
        message = await ws.receive_output(CLOSE_WITHIN_SECONDS)
    assert message["type"] == "websocket.close", message
    return message.get("code")


async def still_open(ws: WebSocket) -> bool:
    await ws.send_input({"type": "websocket.receive", "text": '{"type": "ping"}'})
    message = await ws.receive_output(CLOSE_WITHIN_SECONDS)
    return message == {"type": "websocket.send", "text": '{"type": "pong"}'}


def api_token(username: str) -> str:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()["token"]


def test_device_token_revoke_command_closes_the_display_socket():
    tree = build_office_tree()
    device, token = create_device(tree.pj, "display", "TV")
    _other, other_token = create_device(tree.pj, "display", "TV 2")

    async def scenario() -> None:
        ws = await open_socket(DISPLAY, bearer(token))
        other = await open_socket(DISPLAY, bearer(other_token))
        await database_sync_to_async(call_command)(
            "device_token", "revoke", "--id", str(device.pk), stdout=None
        )
        assert await close_code(ws) == CLOSE_REVOKED
        assert await still_open(other)
        # Events go on reaching the other display only.
        await database_sync_to_async(issue_ticket)(tree.pj, tree.services["BKK"])
        assert (await other.receive_json_from())["type"] == "issued"
        await other.disconnect()
        again = WebSocket(application, DISPLAY, headers=bearer(token))
        assert not await again.connect()

    async_to_sync(scenario)()


def test_a_new_pairing_closes_the_socket_of_the_browser_paired_before():
    tree = build_office_tree()
    device, _token = create_device(tree.pj, "display", "TV")
    _device, first_cookie = redeem_pairing_code(create_pairing_code(device))

    async def scenario() -> None:
        ws = await open_socket(DISPLAY, cookie(settings.DEVICE_COOKIE_NAME, first_cookie))
        code = await database_sync_to_async(create_pairing_code)(device)
        _paired, second_cookie = await database_sync_to_async(redeem_pairing_code)(code)
        assert await close_code(ws) == CLOSE_REVOKED
        new = await open_socket(DISPLAY, cookie(settings.DEVICE_COOKIE_NAME, second_cookie))
        assert await still_open(new)
        await new.disconnect()

    async_to_sync(scenario)()


def test_revoking_a_staff_token_through_the_api_closes_its_sockets_only():
    build_office_tree()
    from weserve.organisation.models import Office

    make_user("penyelia", Office.objects.get(code="PKMD-PJ"), Role.SUPERVISOR)
    revoked, kept = api_token("penyelia"), api_token("penyelia")

    async def scenario() -> None:
        counters = await open_socket(COUNTERS, bearer(revoked))
        display = await open_socket(DISPLAY, bearer(revoked))
        other = await open_socket(COUNTERS, bearer(kept))
        response = await database_sync_to_async(Client().post)(
            "/api/v1/auth/token/revoke", HTTP_AUTHORIZATION=f"Bearer {revoked}"
        )
        assert response.status_code == 204
        assert await close_code(counters) == CLOSE_REVOKED
        assert await close_code(display) == CLOSE_REVOKED
        assert await still_open(other)
        await other.disconnect()

    async_to_sync(scenario)()


def test_changing_ones_password_closes_every_socket_and_ends_api_tokens():
    tree = build_office_tree()
    user = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    token = api_token("penyelia")
    browser = Client()
    browser.force_login(user)

    async def scenario() -> None:
        by_session = await open_socket(COUNTERS, session_of(browser))
        by_token = await open_socket(DISPLAY, bearer(token))
        response = await database_sync_to_async(browser.post)(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "a-new-long-passphrase-9",
                "new_password2": "a-new-long-passphrase-9",
            },
        )
        assert response.status_code == 302
        assert await close_code(by_session) == CLOSE_REVOKED
        assert await close_code(by_token) == CLOSE_REVOKED

    async_to_sync(scenario)()
    offices = Client().get("/api/v1/offices", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert offices.status_code == 401
    # The browser that changed it stays signed in, as Django keeps it.
    assert browser.get(reverse("password_change")).status_code == 200


def test_an_administrator_setting_a_password_closes_the_persons_sockets():
    tree = build_office_tree()
    user = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    root = Client()
    root.force_login(
        type(user).objects.create_superuser("root", password=PASSWORD)  # type: ignore[attr-defined]
    )
    token = api_token("penyelia")

    async def scenario() -> None:
        ws = await open_socket(DISPLAY, bearer(token))
        response = await database_sync_to_async(root.post)(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {"password1": "a-new-long-passphrase-9", "password2": "a-new-long-passphrase-9"},
        )
        assert response.status_code == 302
        assert await close_code(ws) == CLOSE_REVOKED

    async_to_sync(scenario)()
    offices = Client().get("/api/v1/offices", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert offices.status_code == 401


def test_switching_an_account_off_in_the_admin_closes_its_sockets():
    tree = build_office_tree()
    user = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    browser = Client()
    browser.force_login(user)
    root = Client()
    root.force_login(
        type(user).objects.create_superuser("root", password=PASSWORD)  # type: ignore[attr-defined]
    )
    change_url = reverse("admin:core_user_change", args=[user.pk])
    data = changeform_data(root.get(change_url))
    data.pop("is_active")

    async def scenario() -> None:
        ws = await open_socket(COUNTERS, session_of(browser))
        response = await database_sync_to_async(root.post)(change_url, data)
        assert response.status_code == 302
        assert await close_code(ws) == CLOSE_REVOKED

    async_to_sync(scenario)()
    user.refresh_from_db()
    assert not user.is_active


def test_the_deactivation_service_closes_token_sockets_and_revokes_tokens():
    tree = build_office_tree()
    user = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    token = api_token("penyelia")

    async def scenario() -> None:
        ws = await open_socket(COUNTERS, bearer(token))

        def switch_off() -> None:
            type(user).objects.filter(pk=user.pk).update(is_active=False)
            account_deactivated(user)

        await database_sync_to_async(switch_off)()
        assert await close_code(ws) == CLOSE_REVOKED

    async_to_sync(scenario)()
    type(user).objects.filter(pk=user.pk).update(is_active=True)
    offices = Client().get("/api/v1/offices", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert offices.status_code == 401  # switched on again, the old token stays dead


@pytest.mark.parametrize(
    ("origin", "host", "accepted"),
    [
        (None, None, True),  # a program: the telephone exchange, a player
        ("http://testserver", "testserver", True),  # the page the socket's host served
        (settings.PUBLIC_URL, "10.1.2.3:8000", True),  # the site's public address
        ("https://evil.example", "testserver", False),
        ("http://testserver.evil.example", "testserver", False),
        ("http://evil.example", "evil.example", False),  # a host not in ALLOWED_HOSTS
        ("null", "testserver", False),  # a sandboxed frame or a file
    ],
)
def test_handshake_origin_must_be_the_sites_own(origin, host, accepted):
    tree = build_office_tree()
    _device, token = create_device(tree.pj, "display", "TV")
    headers = bearer(token)
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if host is not None:
        headers.append((b"host", host.encode()))

    async def scenario() -> bool:
        ws = WebSocket(application, DISPLAY, headers=headers)
        connected = await ws.connect()
        if connected:
            await ws.disconnect()
        return connected

    assert async_to_sync(scenario)() is accepted


def test_a_nul_in_a_socket_path_is_refused_not_an_error():
    build_office_tree()

    async def scenario() -> bool:
        return await WebSocket(application, "/ws/tickets/\x00abc/").connect()

    assert async_to_sync(scenario)() is False


# --- Every path that changes the user row (weserve.core.accounts) -------------------------


def test_changepassword_in_the_shell_closes_the_persons_sockets_and_ends_api_tokens(
    monkeypatch: pytest.MonkeyPatch,
):
    from django.contrib.auth.management.commands import changepassword

    tree = build_office_tree()
    user = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    token = api_token("penyelia")
    browser = Client()
    browser.force_login(user)
    # Django's command asks twice at a prompt; the operator types the same password.
    monkeypatch.setattr(
        changepassword.Command, "_get_pass", lambda self, prompt="": "a-new-long-passphrase-9"
    )

    async def scenario() -> None:
        by_session = await open_socket(COUNTERS, session_of(browser))
        by_token = await open_socket(DISPLAY, bearer(token))
        await database_sync_to_async(call_command)("changepassword", "penyelia", stdout=StringIO())
        assert await close_code(by_session) == CLOSE_REVOKED
        assert await close_code(by_token) == CLOSE_REVOKED

    async_to_sync(scenario)()
    offices = Client().get("/api/v1/offices", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert offices.status_code == 401
    entry = AuditLog.objects.get(action="core.user.password_changed")
    assert entry.user is None  # the shell: nobody signed in did it
    assert entry.data["tokens_revoked"] == 1


def test_password_sign_in_switched_off_or_account_switched_off_in_the_shell_closes_sockets():
    tree = build_office_tree()
    one = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    two = make_user("kaunter", tree.pj, Role.COUNTER_STAFF)
    first, second = api_token("penyelia"), api_token("kaunter")

    def unusable() -> None:
        one.set_unusable_password()
        one.save()

    def switched_off() -> None:
        two.is_active = False
        two.save()

    async def scenario() -> None:
        ws_one = await open_socket(DISPLAY, bearer(first))
        ws_two = await open_socket(COUNTERS, bearer(second))
        await database_sync_to_async(unusable)()
        assert await close_code(ws_one) == CLOSE_REVOKED
        assert await still_open(ws_two)
        await database_sync_to_async(switched_off)()
        assert await close_code(ws_two) == CLOSE_REVOKED

    async_to_sync(scenario)()
    assert AuditLog.objects.filter(action="core.user.deactivated").count() == 1


def test_saving_a_person_otherwise_ends_nothing():
    # A new hash for the same password (a hasher upgrade at sign-in), a changed name, a
    # switched-off account saved again: none is a change of access.
    tree = build_office_tree()
    user = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    token = api_token("penyelia")
    hashers = ["django.contrib.auth.hashers.ScryptPasswordHasher", *settings.PASSWORD_HASHERS]

    async def scenario() -> None:
        ws = await open_socket(DISPLAY, bearer(token))

        def save_otherwise() -> None:
            with override_settings(PASSWORD_HASHERS=hashers):
                fresh = type(user).objects.get(pk=user.pk)
                before = fresh.password
                assert fresh.check_password(PASSWORD)  # re-hashed and saved on the way
                assert type(user).objects.get(pk=user.pk).password != before
            fresh.first_name = "Siti"
            fresh.save()

        await database_sync_to_async(save_otherwise)()
        assert await still_open(ws)
        await ws.disconnect()

    async_to_sync(scenario)()
    offices = Client().get("/api/v1/offices", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert offices.status_code == 200
    assert not AuditLog.objects.filter(action__startswith="core.user.").exists()


def test_signing_out_closes_that_sessions_sockets_and_no_others():
    tree = build_office_tree()
    user = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)

    async def scenario() -> None:
        mine = await open_socket(COUNTERS, session_of(here))
        theirs = await open_socket(COUNTERS, session_of(elsewhere))
        response = await database_sync_to_async(here.post)(reverse("logout"))
        assert response.status_code == 302
        assert await close_code(mine) == CLOSE_REVOKED
        assert await still_open(theirs)
        await theirs.disconnect()

    async_to_sync(scenario)()
