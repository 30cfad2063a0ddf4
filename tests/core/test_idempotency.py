"""Idempotency-Key: a repeated POST replays the first response and acts once."""

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.test import Client

from tests.factories import PASSWORD
from weserve.core import idempotency
from weserve.core.idempotency import LEASE, caller_scope, purge_expired
from weserve.core.models import ApiToken, IdempotentResponse

TOKEN_URL = "/api/v1/auth/token"
REVOKE_URL = "/api/v1/auth/token/revoke"
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def post_token(client: Client, key: str | None, username: str = "petugas1", **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(
        TOKEN_URL,
        {"username": username, "password": PASSWORD},
        content_type="application/json",
        headers=headers,
    )


def fresh_token(username: str = "petugas1") -> str:
    return post_token(Client(), None, username).json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def works(token: str) -> bool:
    return Client().get("/api/v1/offices", headers=bearer(token)).status_code == 200


def test_a_repeat_replays_the_first_response_and_acts_once(users):
    client = Client()

    first = post_token(client, "key-1")
    second = post_token(client, "key-1")

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert ApiToken.objects.count() == 1


def test_without_a_key_every_post_acts(users):
    client = Client()

    post_token(client, None)
    post_token(client, None)

    assert ApiToken.objects.count() == 2


def test_different_keys_act_separately(users):
    client = Client()

    first = post_token(client, "key-1")
    second = post_token(client, "key-2")

    assert first.json() != second.json()
    assert ApiToken.objects.count() == 2


def test_a_replayed_204_is_a_204_and_revokes_once(users):
    token = fresh_token()

    first = Client().post(REVOKE_URL, headers={**bearer(token), "Idempotency-Key": "k"})
    second = Client().post(REVOKE_URL, headers={**bearer(token), "Idempotency-Key": "k"})

    assert first.status_code == second.status_code == 204
    assert second["Idempotent-Replayed"] == "true"


def test_the_same_key_on_another_path_is_422(users):
    token = fresh_token()
    headers = {**bearer(token), "Idempotency-Key": "shared"}
    Client().post(
        TOKEN_URL,
        {"username": "petugas1", "password": PASSWORD},
        content_type="application/json",
        headers=headers,
    )

    response = Client().post(REVOKE_URL, headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert works(token), "the refused request must not have revoked the token"


def test_the_same_key_with_another_body_is_422(users):
    token = fresh_token()
    headers = {**bearer(token), "Idempotency-Key": "shared"}
    client = Client()
    client.post(
        TOKEN_URL,
        {"username": "petugas1", "password": PASSWORD},
        content_type="application/json",
        headers=headers,
    )

    response = client.post(
        TOKEN_URL,
        {"username": "penyelia", "password": PASSWORD},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not ApiToken.objects.filter(user=users["penyelia"]).exists()


def test_anonymous_callers_with_the_same_key_do_not_collide(users):
    # Two people at one office share its address; they must never get each other's token.
    first = post_token(Client(REMOTE_ADDR="192.0.2.1"), "same-key", "petugas1")
    second = post_token(Client(REMOTE_ADDR="192.0.2.1"), "same-key", "penyelia")

    assert second.status_code == 200
    assert "Idempotent-Replayed" not in second
    assert first.json()["token"] != second.json()["token"]
    assert ApiToken.objects.filter(user=users["petugas"]).count() == 1
    assert ApiToken.objects.filter(user=users["penyelia"]).count() == 1


def test_token_holders_with_the_same_key_do_not_collide(users):
    mine, theirs = fresh_token("petugas1"), fresh_token("penyelia")

    Client().post(REVOKE_URL, headers={**bearer(mine), "Idempotency-Key": "same"})
    response = Client().post(REVOKE_URL, headers={**bearer(theirs), "Idempotency-Key": "same"})

    assert response.status_code == 204
    assert "Idempotent-Replayed" not in response
    assert not works(mine)
    assert not works(theirs)


def test_signed_in_people_with_the_same_key_do_not_collide(users):
    a, b = Client(), Client()
    a.force_login(users["petugas"])
    b.force_login(users["penyelia"])
    # Each person's own session revoke attempt: no bearer, so each gets its own 400.
    first = a.post(REVOKE_URL, headers={"Idempotency-Key": "same"})
    second = b.post(REVOKE_URL, headers={"Idempotency-Key": "same"})

    assert first.status_code == second.status_code == 400
    assert "Idempotent-Replayed" not in second
    assert IdempotentResponse.objects.count() == 2


def test_after_24_hours_the_key_acts_afresh(users):
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        first = post_token(client, "key-1")
        traveller.move_to(START + dt.timedelta(hours=23, minutes=59))
        within = post_token(client, "key-1")
        traveller.move_to(START + dt.timedelta(hours=24, seconds=1))
        after = post_token(client, "key-1")

    assert within.content == first.content
    assert within["Idempotent-Replayed"] == "true"
    assert after.status_code == 200
    assert "Idempotent-Replayed" not in after
    assert after.json()["token"] != first.json()["token"]
    assert ApiToken.objects.count() == 2


def test_a_server_error_is_not_stored(users, monkeypatch):
    from weserve.core import api_auth

    real_issue = api_auth.issue_user_token
    calls = []

    def fail_once(user, **kwargs):
        calls.append(user)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real_issue(user, **kwargs)

    monkeypatch.setattr(api_auth, "issue_user_token", fail_once)
    client = Client(raise_request_exception=False)

    failed = post_token(client, "key-1")
    retried = post_token(client, "key-1")

    assert failed.status_code == 500
    assert failed.json()["code"] == "server_error"
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried
    assert ApiToken.objects.count() == 1


def test_a_refusal_to_let_the_request_in_is_not_stored(users):
    # A locked-out attempt (429) retried with the same key after the lockout must act.
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for n in range(5):
            client.post(
                TOKEN_URL,
                {"username": "petugas1", "password": "wrong"},
                content_type="application/json",
                headers={"Idempotency-Key": f"wrong-{n}"},
            )
        locked = post_token(client, "key-1")
        traveller.move_to(START + dt.timedelta(minutes=16))
        later = post_token(client, "key-1")

    assert locked.status_code == 429
    assert later.status_code == 200
    assert "Idempotent-Replayed" not in later


def test_a_repeat_while_the_first_still_runs_gets_409_and_does_not_act(users, monkeypatch):
    from weserve.core import api_auth

    real_issue = api_auth.issue_user_token
    repeats = []

    def issue_while_a_retry_arrives(user, **kwargs):
        # The retry lands while the first request is inside its endpoint.
        repeats.append(post_token(Client(), "key-1"))
        return real_issue(user, **kwargs)

    monkeypatch.setattr(api_auth, "issue_user_token", issue_while_a_retry_arrives)

    first = post_token(Client(), "key-1")

    assert first.status_code == 200
    assert repeats[0].status_code == 409
    assert repeats[0].json()["code"] == "request_in_progress"
    assert ApiToken.objects.count() == 1


def dead_claim(rf, key: str, *, lease_until: dt.datetime | None) -> IdempotentResponse:
    """The claim a token request left when its process was killed mid-way."""
    body = json.dumps({"username": "petugas1", "password": PASSWORD}).encode()
    request = rf.post(TOKEN_URL, body, content_type="application/json")
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    return IdempotentResponse.objects.create(
        scope=caller_scope(request),
        key=hashlib.sha256(key.encode()).hexdigest(),
        method_path=f"POST {TOKEN_URL} sha256:{hashlib.sha256(body).hexdigest()}",
        created_at=START,
        owner="weserve-1:4242:dead",
        lease_until=lease_until,
    )


def test_a_claim_whose_process_died_is_taken_over_once_its_lease_runs_out(users, rf):
    with time_machine.travel(START, tick=False) as traveller:
        dead_claim(rf, "key-1", lease_until=START + LEASE)
        traveller.move_to(START + LEASE - dt.timedelta(seconds=1))
        meanwhile = post_token(Client(), "key-1")
        traveller.move_to(START + LEASE + dt.timedelta(seconds=1))
        retried = post_token(Client(), "key-1")
        again = post_token(Client(), "key-1")

    assert meanwhile.status_code == 409
    assert meanwhile.json()["code"] == "request_in_progress"
    assert retried.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == retried.json()
    assert ApiToken.objects.count() == 1


def test_the_lease_is_seconds_not_minutes():
    assert dt.timedelta(seconds=2) < LEASE <= dt.timedelta(seconds=10)


def test_a_claim_taken_over_is_not_used_by_another_request_under_the_same_key(users, rf):
    token = fresh_token()
    request = rf.post(REVOKE_URL, headers=bearer(token))
    IdempotentResponse.objects.create(
        scope=caller_scope(request),
        key=hashlib.sha256(b"key-1").hexdigest(),
        method_path=f"POST {REVOKE_URL} sha256:{hashlib.sha256(b'').hexdigest()}",
        created_at=dt.datetime.now(dt.UTC),
        owner="weserve-1:4242:dead",
        lease_until=None,
    )

    response = post_token(Client(), "key-1", **bearer(token))

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert ApiToken.objects.count() == 1


def test_a_running_request_keeps_its_claim_beyond_the_lease(users, monkeypatch):
    # The process renews the lease of a request that runs long: a retry meanwhile waits.
    from weserve.core import api_auth

    real_issue = api_auth.issue_user_token
    retries = []

    def issue_slowly(user, **kwargs):
        with time_machine.travel(START + 3 * LEASE, tick=False):
            assert idempotency._leases.renew(older_than=0) == 1
            retries.append(post_token(Client(), "key-1"))
        return real_issue(user, **kwargs)

    monkeypatch.setattr(api_auth, "issue_user_token", issue_slowly)
    with time_machine.travel(START, tick=False):
        first = post_token(Client(), "key-1")

    assert first.status_code == 200
    assert retries[0].status_code == 409
    assert ApiToken.objects.count() == 1


def test_a_request_that_dies_before_its_answer_is_stored_leaves_no_effect(users, monkeypatch):
    # The effect and the stored answer commit together: a process killed between the two
    # commits neither, and the retry acts once.
    real_finish = idempotency._finish

    def die(*args):
        raise SystemExit("killed")

    monkeypatch.setattr(idempotency, "_finish", die)
    with pytest.raises(SystemExit):
        post_token(Client(), "key-1")
    assert not ApiToken.objects.exists()

    monkeypatch.setattr(idempotency, "_finish", real_finish)
    retried = post_token(Client(), "key-1")

    assert retried.status_code == 200
    assert ApiToken.objects.count() == 1


def test_an_attempt_whose_claim_was_taken_over_rolls_its_effect_back(users, monkeypatch):
    # A process thought dead (its lease ran out) that was only slow: the attempt that took
    # the key over acts; the slow one must not act as well.
    from weserve.core import api_auth

    real_issue = api_auth.issue_user_token

    def issue_then_lose_the_claim(user, **kwargs):
        token = real_issue(user, **kwargs)
        IdempotentResponse.objects.update(owner="someone-else")
        return token

    monkeypatch.setattr(api_auth, "issue_user_token", issue_then_lose_the_claim)

    response = post_token(Client(), "key-1")

    assert response.status_code == 409
    assert not ApiToken.objects.exists()


def test_the_stored_response_does_not_reveal_the_token_or_the_key(users):
    response = post_token(Client(), "my-secret-key")
    token = response.json()["token"]

    record = IdempotentResponse.objects.get()

    assert token.encode() not in bytes(record.body)
    assert record.key != "my-secret-key"


def test_a_key_that_is_too_long_is_422(users):
    response = post_token(Client(), "k" * 256)

    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_get_requests_ignore_the_key(users):
    token = fresh_token()

    response = Client().get("/api/v1/offices", headers={**bearer(token), "Idempotency-Key": "k"})

    assert response.status_code == 200
    assert not IdempotentResponse.objects.exists()


def test_web_form_redirects_replay_with_their_location(client_for):
    client = client_for("petugas")
    headers = {"Idempotency-Key": "lang-1"}

    first = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, headers=headers)
    second = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, headers=headers)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == "/"
    assert second["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("age_hours", [23, 25])
def test_purge_removes_only_expired_responses(users, age_hours):
    with time_machine.travel(START, tick=False):
        post_token(Client(), "key-1")

    deleted = purge_expired(START + dt.timedelta(hours=age_hours))

    assert deleted == (1 if age_hours > 24 else 0)
    assert IdempotentResponse.objects.count() == (0 if age_hours > 24 else 1)


def test_hourly_task_drops_replies_older_than_a_day(db):
    import datetime as dt

    import time_machine

    from weserve.core.models import IdempotentResponse
    from weserve.core.tasks import purge_idempotent_responses

    with time_machine.travel(dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC), tick=False):
        IdempotentResponse.objects.create(
            scope="a", key="old", method_path="POST /x", created_at=dt.datetime.now(dt.UTC)
        )
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        IdempotentResponse.objects.create(
            scope="a", key="new", method_path="POST /x", created_at=dt.datetime.now(dt.UTC)
        )
        purge_idempotent_responses.call_local()
    assert list(IdempotentResponse.objects.values_list("key", flat=True)) == ["new"]
