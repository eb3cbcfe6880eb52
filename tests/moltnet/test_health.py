"""GET /healthz and /readyz (spec 02 §2) and the store-health gauge."""

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
