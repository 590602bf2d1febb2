"""API key format and the route -> scope table."""

from cloakr.constants import SCOPES
from cloakr.gateway.scopes import ROUTE_SCOPES, scope_for
from cloakr.tenants.keys import hash_key, new_key, parse_key


def test_new_keys_are_random_and_name_their_region():
    key_id, key = new_key("ap-southeast-1")
    assert key.startswith(f"ck_apse1_{key_id}_") and len(key) > 50
    assert new_key("ap-southeast-1")[1] != key
    parsed = parse_key(key)
    assert parsed.region == "ap-southeast-1" and parsed.key_id == key_id
    assert hash_key(key) != hash_key(key[:-1]) and key not in hash_key(key)


def test_malformed_keys_do_not_parse():
    for bad in ["", "ck_", "ck_zz_id_secret", "sk_use1_id_secret", "ck_use1__secret", "ck_use1_id_"]:
        assert parse_key(bad) is None


def test_every_route_needs_a_known_scope():
    assert set(ROUTE_SCOPES.values()) <= set(SCOPES)
    assert scope_for("POST", "/v1/redact") == "redact:write"
    assert scope_for("DELETE", "/v1/users/u-42") == "users:admin"
    assert scope_for("GET", "/v1/users/u-42") is None
    assert scope_for("POST", "/v1/users/u-42/export") is None
