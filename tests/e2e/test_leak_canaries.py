"""Leak canaries: unique PII values planted in every field and path a caller controls, then everything Cloakr
wrote is searched for them — logs, metrics, audit records and every other table item, stored objects (reports),
what the model received, error bodies and headers. Zero hits.

The only place an original may appear is where it belongs: the restored answer to the caller who sent it.
"""

from __future__ import annotations

import json
import random
import uuid

import boto3
import httpx
import pytest

from cloakr.gateway.services import services
from cloakr.observability import metrics


def _luhn_complete(prefix: str) -> str:
    digits = [int(d) for d in prefix]
    total = sum(d if i % 2 else sum(divmod(d * 2, 10)) for i, d in enumerate(reversed(digits)))
    return prefix + str((10 - total % 10) % 10)


def _iban_de(bank: str, account: str) -> str:
    bban = bank + account
    check = 98 - int(bban + "131400") % 97  # D=13, E=14, then "00"
    return f"DE{check:02d}{bban}"


@pytest.fixture(scope="module")
def canaries() -> dict[str, str]:
    rng = random.Random(uuid.uuid4().int)
    card = _luhn_complete("4" + "".join(str(rng.randint(0, 9)) for _ in range(14)))
    iban = _iban_de("".join(str(rng.randint(0, 9)) for _ in range(8)), "".join(str(rng.randint(0, 9)) for _ in range(10)))
    return {
        "email": f"canary.{uuid.uuid4().hex[:10]}@leak-test.example",
        "card": " ".join(card[i:i + 4] for i in range(0, 16, 4)),
        "ssn": f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
        "iban": " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)),
    }


def _needles(canaries: dict[str, str]) -> list[str]:
    """Each canary as written, and squeezed (digits without separators), case-folded."""
    forms = set()
    for value in canaries.values():
        forms |= {value.lower(), value.replace(" ", "").replace("-", "").lower()}
    return sorted(forms)


def _hits(blob: str, canaries: dict[str, str]) -> list[str]:
    low = blob.lower()
    squeezed = low.replace(" ", "").replace("-", "")
    return [n for n in _needles(canaries) if n in low or n in squeezed]


def test_no_canary_leaves_or_is_kept(local_gateway, canaries, echo_requests, capfd):
    upstream = echo_requests
    c = canaries
    secret = f"mail {c['email']}, card {c['card']}, SSN {c['ssn']}, IBAN {c['iban']}"
    auth = {"Authorization": f"Bearer {local_gateway.admin_key}"}
    answers: list[httpx.Response] = []
    restored: list[str] = []
    with httpx.Client(base_url=local_gateway.base_url, timeout=30) as http:
        def send(method, path, **kw):
            response = http.request(method, path, **{"headers": auth, **kw})
            answers.append(response)
            return response

        # Redaction in every mode, single and batch, with the values also in entity lists and rule patterns.
        for mode in ("replace", "mask", "hash", "tokenize", "remove"):
            assert send("POST", "/v1/redact", json={"text": secret, "mode": mode}).status_code in (200, 400)
        send("POST", "/v1/redact", json={"texts": [secret, c["email"]]})
        send("POST", "/v1/classify", json={"text": secret})
        # Chat: every message role, tool call arguments and results, the end-user field, streaming and not.
        tool_call = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": json.dumps({"q": secret})}}
        messages = [{"role": "system", "content": f"The account owner is {c['email']}"},
                    {"role": "user", "content": secret},
                    {"role": "assistant", "content": None, "tool_calls": [tool_call]},
                    {"role": "tool", "tool_call_id": "call_1", "content": f"found {c['iban']}"},
                    {"role": "user", "content": [{"type": "text", "text": f"card {c['card']}"}]}]
        for stream in (False, True):
            # The end-user id is an opaque id here: the vault and subjects tables key by it (docs/security.md, known
            # limits); audit records and the model only ever see a pseudonym of it.
            response = send("POST", "/v1/chat/completions", json={"model": "cloakr-echo", "messages": messages, "stream": stream,
                                                                  "user": "end-user-42"})
            assert response.status_code == 200, response.text
            restored.append(response.text)
        tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
        response = send("POST", "/v1/chat/completions", json={"model": "cloakr-echo", "tools": tools,
                                                              "messages": [{"role": "user", "content": secret}]})
        restored.append(response.text)
        # Error paths: the values inside bad JSON, unknown fields, wrong types, bad modes, bad query strings,
        # a bad conversation id, a bogus key and a bogus header.
        send("POST", "/v1/redact", content=f'{{"text": "{secret}"', headers={**auth, "Content-Type": "application/json"})
        send("POST", "/v1/redact", json={"text": secret, "surprise": c["email"]})
        send("POST", "/v1/redact", json={"text": secret, "mode": c["ssn"]})
        send("POST", "/v1/redact", json={"text": 42, "entities": [c["email"]]})
        send("POST", "/v1/chat/completions", json={"model": c["email"], "messages": messages})
        send("POST", "/v1/chat/completions", json={"model": "cloakr-echo", "messages": messages},
             headers={**auth, "X-Cloakr-Conversation-Id": c["email"]})
        send("GET", "/v1/incidents", params={"start": c["email"], "end": c["card"]})
        send("GET", f"/v1/reports/{c['ssn']}")
        send("POST", "/v1/redact", json={"text": secret}, headers={"Authorization": f"Bearer ck_euc1_{c['card'].replace(' ', '')}_x"})
        send("POST", "/v1/redact", json={"text": secret}, headers={**auth, "X-Forwarded-For": c["email"], "Referer": c["iban"]})
        report = send("POST", "/v1/reports", json={"period": "last_30_days", "format": "json"})
        assert report.status_code == 201, report.text

    metrics.flush_metrics(raise_on_empty_metrics=False)
    problems: dict[str, list[str]] = {}

    def check(where: str, blob: str) -> None:
        if hits := _hits(blob, c):
            problems[where] = hits

    out, err = capfd.readouterr()
    check("logs and metrics (stdout/stderr)", out + err)
    check("model requests", json.dumps(upstream))
    assert upstream, "the model was called"
    for i, response in enumerate(answers):
        if response.text in restored:
            continue  # the restored answer to the caller is the one place originals belong
        check(f"response {i} {response.request.method} {response.request.url.path} body", response.text)
        check(f"response {i} headers", json.dumps(dict(response.headers)))
    for text in restored:  # even there, only in the message content, never in the cloakr metadata or headers
        for line in text.splitlines():
            if '"cloakr"' in line:
                check("cloakr metadata in a chat answer", json.dumps(json.loads(line.removeprefix("data: "))["cloakr"]))
    s = services()
    for role, table in s.tables.items():
        items = table.scan()["Items"]
        check(f"table {role}", json.dumps(items, default=lambda v: v.value.hex() if hasattr(v, "value") else str(v)))
    s3 = boto3.client("s3", region_name=local_gateway.region, endpoint_url=s.s3.meta.endpoint_url)
    for obj in s3.list_objects_v2(Bucket=s.bucket).get("Contents", []):
        check(f"s3 {obj['Key']}", s3.get_object(Bucket=s.bucket, Key=obj["Key"])["Body"].read().decode("utf-8", "replace"))
    assert problems == {}, f"canaries found in: {sorted(problems)}"
