from __future__ import annotations

import json

import httpx
import pytest
from cloakr.sdk import _core, errors


def test_region_comes_from_the_key_prefix() -> None:
    options = _core.resolve_options(api_key="ck_aps1_k_s")
    assert options.region == "ap-south-1"
    assert options.base_url == "https://api.ap-south-1.cloakr.example"


def test_explicit_arguments_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOAKR_API_KEY", "ck_use1_env_s")
    monkeypatch.setenv("CLOAKR_BASE_URL", "http://env.test")
    assert _core.resolve_options().base_url == "http://env.test"
    assert _core.resolve_options().api_key == "ck_use1_env_s"
    options = _core.resolve_options(api_key="ck_euc1_arg_s", base_url="http://arg.test/v1/")
    assert (options.api_key, options.base_url) == ("ck_euc1_arg_s", "http://arg.test")


def test_template_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOAKR_BASE_URL_TEMPLATE", "https://cloakr.{region}.corp.test")
    assert _core.resolve_options(api_key="k", region="us-west-2").base_url == "https://cloakr.us-west-2.corp.test"
    monkeypatch.setenv("CLOAKR_BASE_URL_TEMPLATE", "https://cloakr.corp.test")
    with pytest.raises(errors.CloakrError, match="region"):
        _core.resolve_options(api_key="k", region="us-west-2")


@pytest.mark.parametrize("kwargs", [{"api_key": "plain-key"}, {"region": "mars-north-1"},
                                    {"base_url": "http://x", "timeout": 0}, {"base_url": "http://x", "max_retries": -1}])
def test_unusable_configuration_is_refused(kwargs: dict) -> None:
    with pytest.raises(errors.CloakrError):
        _core.resolve_options(**kwargs)


def test_posts_get_an_idempotency_key_and_gets_do_not() -> None:
    post = _core.spec("POST", "/v1/keys", body={})
    assert post.idempotency_key and post.retry_safe
    assert _core.spec("POST", "/v1/keys", idempotency_key="mine").idempotency_key == "mine"
    get = _core.spec("GET", "/v1/keys", params={"a": None, "b": 1})
    assert get.idempotency_key is None and get.retry_safe and get.params == {"b": 1}
    assert not _core.RequestSpec("POST", "/v1/keys").retry_safe


def test_ids_cannot_escape_their_path_segment() -> None:
    assert _core.segment("../keys/x") == "..%2Fkeys%2Fx"
    with pytest.raises(errors.CloakrError):
        _core.segment("")


def test_request_headers() -> None:
    options = _core.resolve_options(api_key="ck_euc1_k_s", base_url="http://gw.test",
                                    default_headers={"X-Team": "billing"})
    request = _core.build_request(options, _core.spec("POST", "/v1/redact", body={"text": "hi"},
                                                      idempotency_key="idem-1"))
    assert str(request.url) == "http://gw.test/v1/redact"
    assert request.headers["authorization"] == "Bearer ck_euc1_k_s"
    assert request.headers["idempotency-key"] == "idem-1"
    assert request.headers["x-team"] == "billing"
    assert json.loads(request.content) == {"text": "hi"}
    presigned = _core.build_request(options, _core.spec("GET", "https://s3.test/x?sig=1", auth=False))
    assert "authorization" not in presigned.headers and str(presigned.url) == "https://s3.test/x?sig=1"


def test_missing_key_is_an_authentication_error_before_any_request() -> None:
    options = _core.resolve_options(base_url="http://gw.test")
    with pytest.raises(errors.AuthenticationError):
        _core.build_request(options, _core.spec("GET", "/v1/models"))
    assert "authorization" not in _core.build_request(options, _core.spec("GET", "/v1/health", auth=False)).headers


def test_backoff_is_exponential_capped_and_jittered() -> None:
    options = _core.resolve_options(base_url="http://x", backoff_base=0.5, backoff_cap=4.0)
    assert [_core.backoff_delay(options, n, None, rand=lambda: 1.0) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert _core.backoff_delay(options, 3, None, rand=lambda: 0.25) == 1.0
    # Retry-After is a floor: never retry sooner than the server asked.
    assert _core.backoff_delay(options, 0, 9.0, rand=lambda: 1.0) == 9.0


def _events(*lines: str) -> list:
    return list(_core.decode_lines(lines, _core.SSEDecoder()))


def test_sse_decoding() -> None:
    chunk = {"id": "c1", "choices": [{"delta": {"content": "Hi"}}]}
    assert _events(": keep-alive", f"data: {json.dumps(chunk)}", "", "data: [DONE]", "", "data: {\"late\": 1}", "") \
        == [chunk]
    # multi-line data joins with newlines; a final event without a blank line is still delivered
    assert _events('data: {"a":', "data: 1}") == [{"a": 1}]


def test_sse_error_event_raises_the_mapped_exception() -> None:
    with pytest.raises(errors.ServerError, match="detector"):
        _events("event: error", 'data: {"error": {"code": "detection_failed", "message": "detector down"}}', "")
    with pytest.raises(errors.APIError):
        _events("data: {not json", "")


def test_exchange_returns_success_without_sleeping() -> None:
    options = _core.resolve_options(api_key="k", base_url="http://x")
    flow = _core.exchange(options, _core.spec("GET", "/v1/models"))
    assert isinstance(next(flow), _core.Send)
    with pytest.raises(StopIteration) as done:
        flow.send(httpx.Response(200, json={}))
    assert done.value.value.status_code == 200


def test_timeout_and_retries_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOAKR_TIMEOUT", "2.5")
    monkeypatch.setenv("CLOAKR_MAX_RETRIES", "0")
    options = _core.resolve_options(base_url="http://x")
    assert (options.timeout, options.max_retries) == (2.5, 0)
    assert _core.resolve_options(base_url="http://x", max_retries=5).max_retries == 5
    monkeypatch.setenv("CLOAKR_MAX_RETRIES", "many")
    with pytest.raises(errors.CloakrError, match="CLOAKR_MAX_RETRIES"):
        _core.resolve_options(base_url="http://x")


def test_import_cloakr_stays_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, cloakr; assert 'httpx' not in sys.modules and 'cloakr.pii.engine' not in sys.modules; " \
           "cloakr.Client; assert 'httpx' in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], check=False, capture_output=True).returncode == 0
