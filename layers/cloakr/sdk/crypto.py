"""Client-side encryption for key material that never leaves your process (BYOK outside AWS).

``encrypt_local(plaintext, key, aad=...)`` returns a ``ckl1.<nonce>.<ciphertext>`` string (AES-256-GCM, random
96-bit nonce); ``decrypt_local(envelope, key, aad=...)`` returns the plaintext bytes or raises
``LocalCryptoError``. The gateway is never called: compare ``Client.encrypt``, which uses the tenant's KMS key on
the server. The format is documented in ``cloakr.crypto.client_side``.
"""

from cloakr.crypto.client_side import (
    LocalCryptoError,
    decrypt_local,
    encrypt_local,
    generate_key,
)

__all__ = ["LocalCryptoError", "decrypt_local", "encrypt_local", "generate_key"]
