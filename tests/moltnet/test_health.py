"""GET /healthz and /readyz (docs/protocol/http-api.md §2) and the store-health gauge."""

import pytest
from django.test import Client

from moltnet import metrics


def test_healthz(api):
    response = api.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response["Content-Type"] == "application/json"


def test_readyz(api):
    assert api.get("/readyz").json() == {"status": "ready"}


def test_store_health_gauge_follows_the_check(api):
    metrics.store_health.set(0)
    assert b"moltnet_store_health 0\n" in metrics.render()
    api.get("/readyz")
    assert b"moltnet_store_health 1\n" in metrics.render()


def test_health_ignores_credentials_without_public_read(api, configure):
    configure({"auth": {"mode": "bearer", "tokens": [{"value": "t", "scopes": ["admin"]}]}})
    assert api.get("/healthz", Authorization="Bearer wrong").status_code == 200


def test_health_rejects_a_bad_credential_with_public_read(api, configure):
    configure({"auth": {"mode": "open", "tokens": [{"value": "t", "scopes": ["admin"]}]}})
    assert api.get("/healthz").status_code == 200
    assert api.get("/healthz", Authorization="Bearer wrong").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_store_is_503_and_zeroes_the_gauge(configure):
    from django.db import connection

    client = Client()
    assert client.get("/healthz").status_code == 200
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = "/nonexistent-dir/moltnet.db" if connection.vendor == "sqlite" else "no_such_db"
    try:
        for path in ("/healthz", "/readyz"):
            response = client.get(path)
            assert response.status_code == 503
            assert response.json() == {"error": "service unavailable", "code": "service_unavailable",
                                       "request_id": response["X-Request-Id"]}
        assert b"moltnet_store_health 0\n" in metrics.render()
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
    assert client.get("/readyz").status_code == 200
