"""Sign-in lockout (django-axes): five failures lock a username from one address."""

import datetime as dt

import pytest
import time_machine
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
ADDRESS = "192.0.2.10"
OTHER_ADDRESS = "192.0.2.20"


def sign_in(username: str, password: str, address: str = ADDRESS, **extra):
    client = Client(REMOTE_ADDR=address, **extra)
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def api_token(username: str, password: str, address: str = ADDRESS, **extra):
    return Client(REMOTE_ADDR=address, **extra).post(
        TOKEN_URL, {"username": username, "password": password}, content_type="application/json"
    )


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(times: int, username: str = "petugas1", address: str = ADDRESS, **extra) -> None:
    for _ in range(times):
        sign_in(username, "wrong-password", address, **extra)


def test_settings_lock_after_five_failures_per_username_and_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_CLIENT_IP_CALLABLE == "weserve.core.net.axes_client_ip"


def test_four_failures_do_not_lock(users):
    fail(4)

    client, response = sign_in("petugas1", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_success_resets_the_failure_count(users):
    fail(4)
    sign_in("petugas1", PASSWORD)
    fail(4)

    client, _response = sign_in("petugas1", PASSWORD)

    assert is_signed_in(client)


def test_five_failures_lock_the_username_at_that_address(users):
    fail(5)

    client, response = sign_in("petugas1", PASSWORD)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert not is_signed_in(client)


def test_the_fifth_failure_already_shows_the_lockout_page(users):
    fail(4)

    _client, response = sign_in("petugas1", "wrong-password")

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]


def test_another_address_is_not_locked(users):
    fail(5)

    client, response = sign_in("petugas1", PASSWORD, OTHER_ADDRESS)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_another_username_at_the_same_address_is_not_locked(users):
    fail(5)

    client, _response = sign_in("penyelia", PASSWORD)

    assert is_signed_in(client)


def test_lockout_ends_after_the_cooloff(users):
    cooloff = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    with time_machine.travel(START, tick=False) as traveller:
        fail(5)
        traveller.move_to(START + cooloff + dt.timedelta(minutes=1))
        client, after = sign_in("petugas1", PASSWORD)
        # Read inside the frozen time: the session expires relative to it.
        signed_in = is_signed_in(client)

    assert after.status_code == 302
    assert signed_in


def test_trying_again_during_the_lockout_starts_the_cooloff_again(users):
    cooloff = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    retry_at = START + cooloff - dt.timedelta(minutes=1)
    with time_machine.travel(START, tick=False) as traveller:
        fail(5)
        traveller.move_to(retry_at)
        _client, during = sign_in("petugas1", PASSWORD)
        traveller.move_to(START + cooloff + dt.timedelta(minutes=1))
        client, soon_after = sign_in("petugas1", PASSWORD)
        signed_in = is_signed_in(client)

    assert during.status_code == 429
    # Free by now without the retry; the retry moved the end of the lockout.
    assert soon_after.status_code == 429
    assert not signed_in


def test_api_token_endpoint_locks_with_429_json(users):
    for _ in range(4):
        assert api_token("petugas1", "wrong-password").status_code == 401

    fifth = api_token("petugas1", "wrong-password")
    right = api_token("petugas1", PASSWORD)

    for response in (fifth, right):
        assert response.status_code == 429
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["code"] == "locked_out"
        assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
    assert "token" not in right.json()


def test_api_lockout_is_per_address_too(users):
    for _ in range(5):
        api_token("petugas1", "wrong-password")

    response = api_token("petugas1", PASSWORD, OTHER_ADDRESS)

    assert response.status_code == 200
    assert "token" in response.json()


def test_web_and_api_failures_count_together(users):
    fail(3)
    api_token("petugas1", "wrong-password")
    api_token("petugas1", "wrong-password")

    client, response = sign_in("petugas1", PASSWORD)

    assert response.status_code == 429
    assert not is_signed_in(client)


def test_api_success_resets_the_failure_count(users):
    fail(4)
    assert api_token("petugas1", PASSWORD).status_code == 200
    fail(4)

    client, _response = sign_in("petugas1", PASSWORD)

    assert is_signed_in(client)


def test_forged_forwarded_for_does_not_escape_the_lockout(users, settings):
    settings.TRUSTED_PROXIES = []
    for n in range(5):
        sign_in("petugas1", "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    client, response = sign_in("petugas1", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ADDRESS}


def test_behind_a_trusted_proxy_each_client_address_is_locked_separately(users, settings):
    proxy = "10.0.0.1"
    settings.TRUSTED_PROXIES = [proxy]
    for _ in range(5):
        sign_in("petugas1", "wrong-password", proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")

    locked_client, locked = sign_in("petugas1", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    other_client, other = sign_in("petugas1", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")

    assert locked.status_code == 429
    assert other.status_code == 302
    assert is_signed_in(other_client)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [([], "10.0.0.1"), (["10.0.0.1"], "203.0.113.5")],
)
def test_axes_asks_weserve_for_the_client_address(settings, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5"
    )

    assert get_client_ip_address(request) == expected
