"""Data subject rights over HTTP through the SDK and the CLI: consent, enforcement, export of originals, erasure."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import httpx
import pytest
from cloakr import constants as c
from cloakr.cli.main import main
from cloakr.compliance import subjects
from cloakr.gateway.services import services
from cloakr.sdk import Client
from cloakr.sdk.errors import CloakrError

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(local_gateway):
    with Client(api_key=local_gateway.admin_key, base_url=local_gateway.base_url, max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def user():
    # An e-mail-like id: the SDK percent-encodes it in paths, the gateway must decode it to match X-Cloakr-User.
    return f"e2e+{uuid.uuid4().hex[:12]}@example.com"


def chat(client, user, text):
    return client.chat(model="cloakr-echo", messages=[{"role": "user", "content": text}], user=user)


def test_consent_export_erase_round_trip(client, user):
    entry = client.update_consent(user, consent_type="ai_processing", granted=True, source="web_form")
    assert entry.granted and entry.consent_type == "ai_processing" and entry.source == "web_form"
    reply = chat(client, user, "I'm Jane Doe, mail jane.doe@example.com")
    assert "jane.doe@example.com" in reply.choices[0].message.content

    export = client.export_user_data(user)
    originals = {value for conversation in export["conversations"] for value in conversation["tokens"].values()}
    assert "jane.doe@example.com" in originals
    assert [e["consent_type"] for e in export["consents"]] == ["ai_processing"]

    erasure = client.delete_user_data(user)
    assert erasure.user_id == user and erasure.status == "erased" and erasure.deleted["vault_items"] == 1
    after = client.export_user_data(user)
    assert after["conversations"] == [] and after["consents"] == [] and len(after["erasures"]) == 1


def test_required_consent_is_enforced(client, user, local_gateway):
    tenants = services().tables[c.TABLE_TENANTS]
    subjects.set_required_consents(tenants, local_gateway.tenant_id, ["ai_processing"])
    try:
        with pytest.raises(CloakrError) as refused:
            chat(client, user, "hello")
        assert refused.value.status == 403 and refused.value.code == "consent_required"
        client.update_consent(user, consent_type="ai_processing", granted=True)
        assert chat(client, user, "hello").choices[0].message.content
        client.update_consent(user, consent_type="ai_processing", granted=False)
        with pytest.raises(CloakrError):
            chat(client, user, "hello")
    finally:
        subjects.set_required_consents(tenants, local_gateway.tenant_id, [])


def test_cli_users_commands(local_gateway, user, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLOAKR_BASE_URL", local_gateway.base_url)
    monkeypatch.setenv("CLOAKR_API_KEY", local_gateway.admin_key)
    assert main(["users", "consent", user, "--type", "marketing", "--granted"]) == 0
    assert "marketing granted" in capsys.readouterr().out
    output = tmp_path / "export.json"
    assert main(["users", "export", user, "--output", str(output)]) == 0
    assert [e["consent_type"] for e in json.loads(output.read_text())["consents"]] == ["marketing"]
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["users", "erase", user]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["users", "erase", user, "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"]["consents"] == 2  # current entry and its history


def users_probe(http, a, b):
    """Tenant isolation of the users routes: B's user of the same id sees, and erases, none of A's subject data."""
    user = "probe-subject@example.com"
    path = f"/v1/users/{quote(user, safe='')}"
    assert http.put(path + "/consent", headers=a, json={"consent_type": "ai_processing", "granted": True}).status_code == 200
    http.post("/v1/chat/completions", headers={**a, "X-Cloakr-User": user},
              json={"model": "cloakr-echo", "messages": [{"role": "user", "content": "mail jane@a.example"}]})
    theirs = http.get(path + "/export", headers=b).json()
    assert theirs["consents"] == [] and theirs["conversations"] == [] and "jane@a.example" not in json.dumps(theirs)
    assert http.delete(path, headers=b).json()["deleted"]["vault_items"] == 0
    mine = http.get(path + "/export", headers=a).json()
    assert len(mine["consents"]) == 1 and "jane@a.example" in json.dumps(mine["conversations"])


def test_another_tenant_cannot_reach_the_subject(local_gateway):
    store = services().tenants
    tenant_b = store.create_tenant("Tenant B", profiles=["gdpr"])
    key_b = store.create_key(tenant_b.tenant_id, ["users:admin"])[1]
    with httpx.Client(base_url=local_gateway.base_url, timeout=30) as http:
        users_probe(http, {"Authorization": f"Bearer {local_gateway.admin_key}"}, {"Authorization": f"Bearer {key_b}"})
