"""The client address: X-Forwarded-For is believed only from WESERVE_TRUSTED_PROXIES."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from weserve.core.net import axes_client_ip, client_ip


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []

    assert client_ip(request_from("192.0.2.7", "198.51.100.1")) == "192.0.2.7"


def test_forwarded_for_from_an_untrusted_address_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    assert client_ip(request_from("192.0.2.7", "198.51.100.1")) == "192.0.2.7"


def test_a_trusted_proxy_is_believed(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    assert client_ip(request_from("10.0.0.1", "198.51.100.1")) == "198.51.100.1"


def test_a_client_cannot_claim_an_address_through_the_proxy(settings):
    # The client sent "X-Forwarded-For: 203.0.113.9"; the proxy appended the real peer.
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    assert client_ip(request_from("10.0.0.1", "203.0.113.9, 198.51.100.1")) == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_back(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    request = request_from("10.0.0.1", "203.0.113.9, 198.51.100.1, 10.2.0.5")

    assert client_ip(request) == "198.51.100.1"


def test_a_trusted_proxy_without_the_header_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    assert client_ip(request_from("10.0.0.1")) == "10.0.0.1"


def test_only_trusted_hops_give_the_leftmost(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request_from("10.0.0.1", "10.9.9.9, 10.0.0.2")) == "10.9.9.9"


def test_garbage_in_the_chain_is_not_believed(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request_from("10.0.0.1", "198.51.100.1, not-an-address")) == "10.0.0.1"
    assert client_ip(request_from("10.0.0.1", "<script>, 10.0.0.2")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("hop", "expected"),
    [
        ("198.51.100.1:5123", "198.51.100.1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        (' "198.51.100.1" ', "198.51.100.1"),
    ],
)
def test_ports_and_brackets_some_proxies_add_are_removed(settings, hop, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    assert client_ip(request_from("10.0.0.1", hop)) == expected


def test_ipv6_proxy_networks_are_understood(settings):
    settings.TRUSTED_PROXIES = ["fd00::/8"]

    assert client_ip(request_from("fd00::1", "2001:db8::7")) == "2001:db8::7"


def test_a_bad_trusted_proxy_entry_fails_loudly(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1", "proxy.example"]

    with pytest.raises(ImproperlyConfigured, match="proxy.example"):
        client_ip(request_from("10.0.0.1", "198.51.100.1"))


def test_axes_gets_the_same_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    request = request_from("10.0.0.1", "203.0.113.9, 198.51.100.1")

    assert axes_client_ip(request) == client_ip(request) == "198.51.100.1"


# X-Forwarded-Proto: with WESERVE_HTTPS, Django believes the header
# (SECURE_PROXY_SSL_HEADER); WeServe drops it first unless a trusted proxy sent it. Seen
# here as a person would: WESERVE_SSL_REDIRECT sends plain HTTP to HTTPS.
HTTPS_SETTINGS = {
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_SSL_REDIRECT": True,
}


@pytest.mark.django_db
@pytest.mark.parametrize("trusted", [[], ["10.0.0.1"]])
def test_forwarded_proto_from_an_untrusted_address_is_not_believed(client, settings, trusted):
    for name, value in HTTPS_SETTINGS.items():
        setattr(settings, name, value)
    settings.TRUSTED_PROXIES = trusted

    response = client.get("/healthz", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_forwarded_proto_from_a_trusted_proxy_is_believed(client, settings):
    for name, value in HTTPS_SETTINGS.items():
        setattr(settings, name, value)
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]

    response = client.get("/healthz", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response.wsgi_request.is_secure()
