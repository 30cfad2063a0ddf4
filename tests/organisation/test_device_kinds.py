"""Every device kind goes through the same life: created, listed, paired (browser kinds)
and revoked, with `weserve device-token` and on the Devices page alike, and core's
authentication knows it through WESERVE_DEVICE_MODEL. A new kind in `Device.Kind` is
covered here without a line of this test changing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.organisation.test_device_token_command import weserve  # noqa: F401 - fixture
from tests.organisation.test_devices import pair, shown_pairing_code
from weserve.core.tokens import resolve_bearer, resolve_device
from weserve.organisation.devices import BROWSER_KINDS
from weserve.organisation.models import Counter, Device


@pytest.mark.parametrize("kind", list(Device.Kind))
def test_every_kind_is_created_listed_paired_and_revoked_the_same_way(
    kind,
    tree,
    client_for,
    weserve,  # noqa: F811 - the fixture imported above
):
    counter = Counter.objects.get(office=tree.pj, number=1)
    bound = kind == Device.Kind.RATING  # the one kind that stands at a counter
    admin = client_for("admin")

    # Created from the command line and on the Devices page.
    args = ["--counter", "1"] if bound else []
    code, out, err = weserve(
        "device-token", "create", "--office", "PKMD-PJ", "--kind", kind, "--name", "Cmd", *args
    )
    assert (code, err) == (0, "")
    cmd_token = out.strip()
    form = {"kind": kind, "name": "Page"} | ({"counter": counter.pk} if bound else {})
    created = admin.post(reverse("device_create"), form)
    assert created.status_code == 200
    page_token = created.context["token"]
    by_cmd, by_page = Device.objects.get(name="Cmd"), Device.objects.get(name="Page")
    assert by_cmd.kind == by_page.kind == kind

    # Core's authentication finds both, through the contract.
    for token, device in ((cmd_token, by_cmd), (page_token, by_page)):
        assert resolve_device(token) == device
        assert resolve_bearer(token).office_ids == frozenset({tree.pj.pk})

    # Listed by both.
    _code, listing, _err = weserve("device-token", "list", "--office", "PKMD-PJ")
    rows = [line.split("\t") for line in listing.strip().splitlines()[1:]]
    assert sorted((r[1], r[2], r[-1]) for r in rows) == [
        (kind, "Cmd", "active"),
        (kind, "Page", "active"),
    ]
    assert list(admin.get(reverse("device_list")).context["devices"]) == [by_cmd, by_page]

    # Paired: a browser kind gets a code that sets the cookie; a program keeps its token.
    response = admin.post(reverse("device_pairing_code", args=[by_page.pk]))
    if kind in BROWSER_KINDS:
        _browser, paired = pair(shown_pairing_code(response))
        cookie = paired.cookies[settings.DEVICE_COOKIE_NAME].value
        assert resolve_device(cookie) == by_page
        assert resolve_device(page_token) is None  # pairing rotates the token
        page_token = cookie
    else:
        assert response.status_code == 302
        assert resolve_device(page_token) == by_page

    # Revoked by both: the tokens and the cookie stop working at once.
    assert weserve("device-token", "revoke", "--id", str(by_cmd.pk))[0] == 0
    assert admin.post(reverse("device_revoke", args=[by_page.pk])).status_code == 302
    assert resolve_device(cmd_token) is None
    assert resolve_device(page_token) is None
    assert resolve_bearer(cmd_token) is None


def test_only_programs_keep_their_token_instead_of_pairing():
    assert BROWSER_KINDS | Device.PROGRAM_KINDS == set(Device.Kind)
    assert not BROWSER_KINDS & Device.PROGRAM_KINDS
