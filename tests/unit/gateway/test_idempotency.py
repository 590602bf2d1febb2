"""Idempotency-Key: one execution per key, replayed answers, conflicts and failures refused clearly."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from cloakr.gateway.app import resolve
from cloakr.gateway.idempotency import IdempotencyError, IdempotencyStore


def redact(services, text, key, **kw):
    return resolve(services.event("POST", "/v1/redact", {"text": text}, headers={"Idempotency-Key": key}, **kw), None)


def headers(response) -> dict:
    return {**response.get("headers", {}), **{k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}}


def audit_count(services) -> int:
    items = services.table("audit").query(KeyConditionExpression="pk = :p AND begins_with(sk, :e)",
                                          ExpressionAttributeValues={":p": f"TENANT#{services.tenant.tenant_id}", ":e": "EVENT#"})["Items"]
    return len(items)


def test_a_repeat_replays_the_first_answer_and_runs_once(services):
    first = redact(services, "mail jane@example.com", "k-1")
    before = audit_count(services)
    again = redact(services, "mail jane@example.com", "k-1")
    assert again["statusCode"] == first["statusCode"] == 200 and again["body"] == first["body"]
    assert headers(again)["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in headers(first)
    assert audit_count(services) == before


def test_the_stored_answer_is_encrypted(services):
    redact(services, "mail jane@example.com", "k-enc")
    items = services.table("vault").scan()["Items"]
    stored = [i for i in items if i["pk"].endswith("#IDEMPOTENCY")]
    assert len(stored) == 1 and stored[0]["state"] == "complete"
    blob = bytes(stored[0]["response"])
    assert b"EMAIL" not in blob and b"redacted" not in blob and b"jane" not in blob


def test_the_same_key_with_another_body_is_refused(services):
    redact(services, "one", "k-2")
    refused = redact(services, "two", "k-2")
    assert refused["statusCode"] == 422 and json.loads(refused["body"])["error"]["code"] == "idempotency_key_reused"


def test_keys_are_per_tenant(services):
    from cloakr.gateway.services import services as built

    other = built().tenants.create_tenant("Other")
    redact(services, "one", "k-3")
    answer = redact(services, "one", "k-3", tenant_id=other.tenant_id)
    assert answer["statusCode"] == 200 and "Idempotent-Replayed" not in headers(answer)


def test_a_running_request_answers_409_until_its_claim_is_stale(services):
    from cloakr.crypto.byok import tenant_cipher
    from cloakr.gateway.services import services as built

    now = [1_000_000.0]
    store = IdempotencyStore(services.table("vault"), tenant_cipher(built()), built().user_key, clock=lambda: now[0])
    event = services.event("POST", "/v1/redact", {"text": "x"}, headers={"Idempotency-Key": "k-4"})
    started = []

    def hang():
        started.append(1)
        with pytest.raises(IdempotencyError) as running:
            store.run(event, tenant, lambda: {"statusCode": 200})
        assert running.value.status == 409 and running.value.retryable
        raise RuntimeError("the first request dies here")

    tenant = services.tenant.tenant_id
    with pytest.raises(RuntimeError):
        store.run(event, tenant, hang)
    now[0] += 61  # the claim of the dead request is stale: the next attempt takes it over
    assert store.run(event, tenant, lambda: {"statusCode": 503}) == {"statusCode": 503}
    # 5xx answers are not kept, so the retry after a failure runs again.
    assert store.run(event, tenant, lambda: {"statusCode": 204}) == {"statusCode": 204}
    replay = store.run(event, tenant, lambda: pytest.fail("a stored answer is replayed, not re-run"))
    assert replay["statusCode"] == 204 and replay["multiValueHeaders"]["Idempotent-Replayed"] == ["true"]


def test_malformed_keys_are_400(services):
    answer = redact(services, "x", "bad key with spaces")
    assert answer["statusCode"] == 400 and json.loads(answer["body"])["error"]["code"] == "validation_error"


class BrokenTable:
    def put_item(self, **_):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem")


def test_an_unreadable_store_refuses_instead_of_running_twice(services):
    ran = []
    event = services.event("POST", "/v1/redact", {"text": "x"}, headers={"Idempotency-Key": "k-5"})
    with pytest.raises(IdempotencyError) as refused:
        IdempotencyStore(BrokenTable(), None, lambda tenant, user: user).run(event, "t", lambda: ran.append(1) or {"statusCode": 200})
    assert refused.value.status == 503 and refused.value.retryable and not ran


def test_requests_without_a_key_are_untouched(services):
    first = resolve(services.event("POST", "/v1/redact", {"text": "x"}), None)
    assert first["statusCode"] == 200 and "Idempotent-Replayed" not in headers(first)
