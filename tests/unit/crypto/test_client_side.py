"""Client-side AES-256-GCM envelopes: a published test vector, round trips, tamper and misuse detection."""

from __future__ import annotations

import base64

import pytest
from cloakr.sdk import LocalCryptoError, decrypt_local, encrypt_local
from cloakr.sdk.crypto import generate_key

# McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 96-bit IV, with AAD).
KEY = bytes.fromhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
IV = bytes.fromhex("cafebabefacedbaddecaf888")
PLAINTEXT = bytes.fromhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
                          "b16aedf5aa0de657ba637b39")
AAD = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
CIPHERTEXT = bytes.fromhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
                           "c5f61e6393ba7a0abcc9f662")
TAG = bytes.fromhex("76fc6ece0f4e1768cddf8853bb2d551b")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_published_vector_is_reproduced_and_opens():
    envelope = encrypt_local(PLAINTEXT, KEY, aad=AAD, nonce=IV)
    prefix, nonce, sealed = envelope.split(".")
    assert prefix == "ckl1" and _unb64(nonce) == IV and _unb64(sealed) == CIPHERTEXT + TAG
    assert decrypt_local(envelope, KEY, aad=AAD) == PLAINTEXT


def test_round_trip_with_fresh_nonces():
    key = generate_key()
    first, second = encrypt_local("Jane Doe, MRN 12345", key, aad="record-7"), encrypt_local("Jane Doe, MRN 12345", key, aad="record-7")
    assert first != second and "Jane" not in first
    assert decrypt_local(first, key, aad="record-7") == decrypt_local(second, key, aad=b"record-7") == b"Jane Doe, MRN 12345"


@pytest.mark.parametrize("change", ["flip_ciphertext", "flip_tag", "flip_nonce", "other_key", "other_aad", "truncate"])
def test_tampering_wrong_key_or_aad_fails_authentication(change):
    key = generate_key()
    envelope = encrypt_local(b"card 4111 1111 1111 1111", key, aad=b"row-1")
    prefix, nonce, sealed = envelope.split(".")
    raw_nonce, raw_sealed = bytearray(_unb64(nonce)), bytearray(_unb64(sealed))
    aad, use_key = b"row-1", key
    if change == "flip_ciphertext":
        raw_sealed[0] ^= 1
    elif change == "flip_tag":
        raw_sealed[-1] ^= 0x80
    elif change == "flip_nonce":
        raw_nonce[0] ^= 1
    elif change == "other_key":
        use_key = generate_key()
    elif change == "other_aad":
        aad = b"row-2"
    else:
        raw_sealed = raw_sealed[:10]
    b64 = lambda b: base64.urlsafe_b64encode(bytes(b)).rstrip(b"=").decode()
    with pytest.raises(LocalCryptoError) as err:
        decrypt_local(f"{prefix}.{b64(raw_nonce)}.{b64(raw_sealed)}", use_key, aad=aad)
    assert "4111" not in str(err.value)


@pytest.mark.parametrize("key", [b"", b"k" * 16, b"k" * 31, b"k" * 33, "k" * 32])
def test_key_must_be_32_bytes(key):
    with pytest.raises(LocalCryptoError, match="32 bytes"):
        encrypt_local(b"x", key)
    with pytest.raises(LocalCryptoError, match="32 bytes"):
        decrypt_local("ckl1.AAAA.AAAA", key)


@pytest.mark.parametrize("bad", ["", "ckl1.abc", "ckl2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", "ckl1.!!!.???", "ckl1.AAAA.AAAA", None])
def test_malformed_envelopes_are_refused(bad):
    with pytest.raises(LocalCryptoError):
        decrypt_local(bad, generate_key())


def test_nonce_must_be_96_bits():
    with pytest.raises(LocalCryptoError):
        encrypt_local(b"x", generate_key(), nonce=b"\0" * 8)
