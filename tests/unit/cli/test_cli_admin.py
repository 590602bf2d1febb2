"""``cloakr admin create-tenant`` against moto tables."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from cloakr.cli.main import main
from cloakr.tables import create_tables
from cloakr.tenants.store import TenantStore


def test_create_tenant_prints_a_working_admin_key(capsys, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        names = create_tables(boto3.client("dynamodb", region_name="ap-south-1"), prefix="cli")
        code = main(["admin", "create-tenant", "--region", "ap-south-1", "--name", "Acme", "--profile", "gdpr",
                     "--table", names["tenants"], "--json"])
        out = json.loads(capsys.readouterr().out)
        assert code == 0 and out["api_key"].startswith("ck_aps1_")
        store = TenantStore(boto3.resource("dynamodb", region_name="ap-south-1").Table(names["tenants"]), "ap-south-1")
        key = store.find_key(out["api_key"])
        assert key.tenant_id == out["tenant_id"] and "keys:admin" in key.scopes


def test_create_tenant_errors_are_one_line(capsys, monkeypatch):
    monkeypatch.delenv("CLOAKR_TENANTS_TABLE", raising=False)
    assert main(["admin", "create-tenant", "--region", "ap-south-1", "--name", "Acme"]) == 2
    assert "--table" in capsys.readouterr().err
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        names = create_tables(boto3.client("dynamodb", region_name="ap-south-1"), prefix="cli")
        assert main(["admin", "create-tenant", "--region", "ap-south-1", "--name", "Acme", "--profile", "sox",
                     "--table", names["tenants"]]) == 2
        assert "sox" in capsys.readouterr().err
