"""Integration tests drive the resolver with API Gateway events against moto-backed tables."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from cloakr import constants as c
from cloakr.gateway.services import services
from cloakr.tables import create_tables

TENANT = "t_integration"
AUTHORIZED = {"tenant_id": TENANT, "key_id": "k1", "scopes": ",".join(c.SCOPES), "region": "eu-central-1", "user_id": ""}
ENV_NAMES = {c.TABLE_AUDIT: c.ENV_AUDIT_TABLE, c.TABLE_TENANTS: c.ENV_TENANTS_TABLE, c.TABLE_VAULT: c.ENV_VAULT_TABLE, c.TABLE_SUBJECTS: c.ENV_SUBJECTS_TABLE}


@pytest.fixture(autouse=True)
def aws(monkeypatch):
    for name in (c.ENV_AWS_ENDPOINT, c.ENV_REGION_CONFIG, c.ENV_UPSTREAM_URL):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv(c.ENV_REGION, "eu-central-1")
    with mock_aws():
        names = create_tables(boto3.client("dynamodb", region_name="eu-central-1"), prefix="it")
        for role, name in names.items():
            monkeypatch.setenv(ENV_NAMES[role], name)
        services.cache_clear()
        yield names
        services.cache_clear()


@pytest.fixture
def authorized_event(api_event):
    def build(method, path, body=None, **kwargs):
        return api_event(method, path, body, authorizer=AUTHORIZED, **kwargs)

    return build
