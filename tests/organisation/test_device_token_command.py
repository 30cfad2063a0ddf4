"""`weserve device-token create|list|revoke`."""

import re

import pytest
from django.db import connections

from weserve.__main__ import main, resolve_aliases
from weserve.core.tokens import hash_token
from weserve.organisation.devices import create_device, resolve_device_token
from weserve.organisation.models import Counter, Device


@pytest.fixture
def weserve(monkeypatch, capsys):
    """Run `weserve ...` in this process; returns (exit code, stdout, stderr)."""
    # The command closes connections when it ends, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.argv", ["weserve", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_create_prints_only_the_token(tree, weserve):
    code, out, err = weserve("device-token", "create", "--office", "PKMD-PJ", "--kind", "kiosk")

    assert code == 0
    token = out.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
    assert out == token + "\n"
    device = Device.objects.get()
    assert (device.office, device.kind) == (tree.pj, "kiosk")
    assert device.token_hash == hash_token(token)
    assert resolve_device_token(token) == device


def test_create_takes_a_name(tree, weserve):
    weserve("device-token", "create", "--office", "PKMD-PJ", "--kind", "exchange", "--name", "PBX")

    assert Device.objects.get().name == "PBX"


def test_create_rating_tablet_at_a_counter(tree, weserve):
    code, out, _err = weserve(
        "device-token", "create", "--office", "PKMD-PJ", "--kind", "rating", "--counter", "2"
    )

    assert code == 0
    assert Device.objects.get().counter == Counter.objects.get(office=tree.pj, number=2)


def test_rating_tablet_without_counter_fails(tree, weserve):
    code, out, err = weserve("device-token", "create", "--office", "PKMD-PJ", "--kind", "rating")

    assert code == 1
    assert out == ""
    assert "--counter" in err
    assert not Device.objects.exists()


def test_counter_of_another_office_fails(tree, weserve):
    Counter.objects.create(office=tree.jb, number=5)

    code, out, err = weserve(
        "device-token", "create", "--office", "PKMD-PJ", "--kind", "rating", "--counter", "5"
    )

    assert code == 1
    assert out == ""
    assert "PKMD-PJ has no counter 5" in err
    assert not Device.objects.exists()


def test_counter_for_a_kiosk_fails(tree, weserve):
    code, _out, err = weserve(
        "device-token", "create", "--office", "PKMD-PJ", "--kind", "kiosk", "--counter", "1"
    )

    assert code == 1
    assert "rating" in err
    assert not Device.objects.exists()


def test_unknown_office_fails(tree, weserve):
    code, out, err = weserve("device-token", "create", "--office", "NOWHERE", "--kind", "kiosk")

    assert code == 1
    assert out == ""
    assert "NOWHERE" in err


@pytest.mark.parametrize(
    "args",
    [
        ("device-token",),
        ("device-token", "create", "--kind", "kiosk"),
        ("device-token", "create", "--office", "PKMD-PJ", "--kind", "toaster"),
        ("device-token", "revoke"),
        ("device-token", "revoke", "--id", "x"),
    ],
)
def test_usage_errors_exit_1_with_a_message_on_stderr(tree, weserve, args):
    code, out, err = weserve(*args)

    assert code == 1
    assert out == ""
    assert "error" in err
    assert not Device.objects.exists()


def test_list_shows_the_offices_devices(tree, weserve):
    kiosk, _ = create_device(tree.pj, "kiosk", "Entrance kiosk")
    create_device(tree.jb, "kiosk", "JB kiosk")

    code, out, _err = weserve("device-token", "list", "--office", "PKMD-PJ")

    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[1].split("\t")[:3] == [str(kiosk.pk), "kiosk", "Entrance kiosk"]
    assert lines[1].endswith("active")


def test_list_never_prints_tokens(tree, weserve):
    _device, token = create_device(tree.pj, "kiosk", "Entrance kiosk")

    _code, out, _err = weserve("device-token", "list", "--office", "PKMD-PJ")

    assert token not in out


def test_revoke_stops_the_token(tree, weserve):
    device, token = create_device(tree.pj, "kiosk", "Entrance kiosk")

    code, out, _err = weserve("device-token", "revoke", "--id", str(device.pk))

    assert code == 0
    assert "Entrance kiosk" in out
    assert resolve_device_token(token) is None
    _code, listing, _err = weserve("device-token", "list", "--office", "PKMD-PJ")
    assert "revoked" in listing.strip().splitlines()[1]


def test_revoke_unknown_or_revoked_device_fails(tree, weserve):
    device, _token = create_device(tree.pj, "kiosk", "Entrance kiosk")
    weserve("device-token", "revoke", "--id", str(device.pk))

    again = weserve("device-token", "revoke", "--id", str(device.pk))
    unknown = weserve("device-token", "revoke", "--id", "99999")

    assert again[0] == unknown[0] == 1
    assert "already revoked" in again[2]
    assert "99999" in unknown[2]


def test_the_underscore_name_works_too(tree, weserve):
    code, out, _err = weserve("device_token", "create", "--office", "PKMD-PJ", "--kind", "kiosk")

    assert code == 0
    assert Device.objects.count() == 1


def test_aliases_map_only_the_command_name():
    assert resolve_aliases(["weserve", "device-token", "list"]) == [
        "weserve",
        "device_token",
        "list",
    ]
    assert resolve_aliases(["weserve", "help", "device-token"]) == [
        "weserve",
        "help",
        "device_token",
    ]
    assert resolve_aliases(["weserve", "migrate", "device-token"]) == [
        "weserve",
        "migrate",
        "device-token",
    ]
    assert resolve_aliases(["weserve"]) == ["weserve"]
