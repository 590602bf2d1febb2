"""The per-process AWS container: clients other than DynamoDB are built on first use, once."""

from __future__ import annotations

import threading

import boto3
import pytest
from cloakr.gateway import services as services_module
from cloakr.gateway.services import LazyClient


def test_a_lazy_client_is_built_on_first_use_and_only_once():
    built: list[str] = []

    class Client:
        def put_object(self, **kwargs):
            return kwargs

    def factory():
        built.append("s3")
        return Client()

    lazy = LazyClient(factory)
    assert built == []
    threads = [threading.Thread(target=lambda: lazy.put_object(Key="k")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == ["s3"]
    assert lazy.put_object(Key="k") == {"Key": "k"}
    with pytest.raises(AttributeError):
        lazy.no_such_operation  # noqa: B018 - the client's own AttributeError comes through


def test_services_builds_only_dynamodb_until_another_client_is_used(services, monkeypatch):
    built: list[str] = []
    real = boto3.client
    monkeypatch.setattr(boto3, "client", lambda name, **kwargs: built.append(name) or real(name, **kwargs))
    services_module.services.cache_clear()
    try:
        svc = services_module.services()
        svc.tenants.get_tenant(services.tenant.tenant_id)
        assert built == []
        svc.s3.list_objects_v2(Bucket=svc.bucket)
        assert built == ["s3"]
        svc.s3.list_objects_v2(Bucket=svc.bucket)
        assert built == ["s3"]
    finally:
        services_module.services.cache_clear()
