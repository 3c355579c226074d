"""The client's address (issue 9, item 6): X-Forwarded-For is believed only from configured
proxies, and django-axes and the security event log use the same rule."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.urls import reverse

from isotp.security import client_address


def request_from(rf, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_with_no_proxy_configured_a_forwarded_address_is_ignored(rf):
    assert client_address(request_from(rf, "198.51.100.9", "203.0.113.5")) == "198.51.100.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_is_taken_not_what_the_client_wrote(rf):
    assert client_address(request_from(rf, "10.0.0.2", "198.51.100.9")) == "198.51.100.9"
    spoofed = request_from(rf, "10.0.0.2", "203.0.113.5, 198.51.100.9")
    assert client_address(spoofed) == "198.51.100.9"
    assert client_address(request_from(rf, "10.0.0.2")) == "10.0.0.2"
    assert client_address(request_from(rf, "10.0.0.2", "not-an-address")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_outer_ones_view_is_taken(rf):
    assert client_address(request_from(rf, "10.0.0.2", "1.1.1.1, 198.51.100.9, 10.0.0.1")) == (
        "198.51.100.9"
    )


@override_settings(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_ADDRESSES=["10.0.0.2"])
def test_a_forwarded_address_is_believed_only_from_a_listed_proxy(rf):
    assert client_address(request_from(rf, "10.0.0.2", "198.51.100.9")) == "198.51.100.9"
    assert client_address(request_from(rf, "192.0.2.50", "198.51.100.9")) == "192.0.2.50"


@pytest.mark.parametrize(
    "proxies, expected", [(0, "192.0.2.50"), (1, "198.51.100.9")], ids=["no-proxy", "one-proxy"]
)
def test_failed_sign_ins_are_recorded_with_the_same_address(alice, settings, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    client = Client(REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.9")
    client.post(reverse("login"), {"username": alice.username, "password": "wrong"})
    assert AccessAttempt.objects.get(username=alice.username).ip_address == expected
