"""Valid identifiers for the corpus, generated with the real algorithms.

Implemented here independently of ``cloakr.pii.validators`` on purpose: an outside check that shared the engine's
code would share its bugs.
"""

from __future__ import annotations

import random
import string
import unicodedata
from datetime import date


def luhn_complete(prefix: str) -> str:
    """Append the Luhn check digit to ``prefix``."""
    total = 0
    for i, ch in enumerate(reversed(prefix + "0")):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("37", 15), ("6011", 16)])
    body = luhn_complete(prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1)))
    return " ".join(body[i:i + 4] for i in range(0, len(body), 4)) if length == 16 else f"{body[:4]} {body[4:10]} {body[10:]}"


def luhn_invalid_16(rng: random.Random) -> str:
    body = luhn_complete("4" + "".join(rng.choice(string.digits) for _ in range(14)))
    return body[:-1] + str((int(body[-1]) + 1 + rng.randrange(8)) % 10)


def iban_de(rng: random.Random) -> str:
    bban = "".join(rng.choice(string.digits) for _ in range(18))
    numeric = "".join(str(int(c, 36)) for c in bban + "DE00")
    check = 98 - int(numeric) % 97
    raw = f"DE{check:02d}{bban}"
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def aba(rng: random.Random) -> str:
    while True:
        head = f"{rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 21, 22, 26, 31, 32]):02d}" + "".join(rng.choice(string.digits) for _ in range(6))
        weights = (3, 7, 1, 3, 7, 1, 3, 7)
        s = sum(int(d) * w for d, w in zip(head, weights))
        return head + str((10 - s % 10) % 10)


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def never_issued_ssn(rng: random.Random) -> str:
    area = rng.choice(["000", "666", str(rng.randint(900, 999))])
    # Groups 01-49 under a 9xx area are neither SSNs nor ITINs (ITIN groups are 50-65, 70-88, 90-92, 94-99).
    return f"{area}-{rng.randint(1, 49):02d}-{rng.randint(1, 9999):04d}"


_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
      [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
      [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
      [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1], [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def aadhaar(rng: random.Random) -> str:
    body = str(rng.randint(2, 9)) + "".join(rng.choice(string.digits) for _ in range(10))
    c = 0
    for i, ch in enumerate(reversed(body)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    full = body + str(_INV[c])
    return f"{full[:4]} {full[4:8]} {full[8:]}"


def pan(rng: random.Random) -> str:
    letters = string.ascii_uppercase
    return "".join(rng.choice(letters) for _ in range(3)) + rng.choice("PCHF") + rng.choice(letters) + f"{rng.randint(0, 9999):04d}" + rng.choice(letters)


def nric(rng: random.Random) -> str:
    prefix = rng.choice("ST")
    digits = [rng.randint(0, 9) for _ in range(7)]
    total = sum(d * w for d, w in zip(digits, (2, 7, 6, 5, 4, 3, 2))) + (4 if prefix == "T" else 0)
    return prefix + "".join(map(str, digits)) + "JZIHGFEDCBA"[total % 11]


def nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            s = "".join(map(str, digits)) + str(check)
            return f"{s[:3]} {s[3:6]} {s[6:]}"


def nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in ("GB", "NK", "TN", "ZZ", "BG", "KN", "NT"):
        first, second = "A", "B"
    return f"{first}{second} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.choice('ABCD')}"


def npi(rng: random.Random) -> str:
    body = rng.choice("12") + "".join(rng.choice(string.digits) for _ in range(8))
    return luhn_complete("80840" + body)[5:]


def dea(rng: random.Random) -> str:
    d = [rng.randint(0, 9) for _ in range(6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return rng.choice("ABFM") + rng.choice(string.ascii_uppercase) + "".join(map(str, d)) + str(check)


def aws_access_key(rng: random.Random) -> str:
    return "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


def aws_secret(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "/+"
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(40))
        if any(c.isdigit() for c in value) and any(c.islower() for c in value) and any(c.isupper() for c in value):
            return value


def github_token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


def itin(rng: random.Random) -> str:
    group = rng.choice([*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)])
    return f"9{rng.randint(0, 99):02d}-{group}-{rng.randint(0, 9999):04d}"


def us_passport(rng: random.Random) -> str:
    """Next-generation books: a letter and eight digits; older books: nine digits."""
    digits = "".join(rng.choice(string.digits) for _ in range(8))
    return rng.choice(string.ascii_uppercase) + digits if rng.random() < 0.5 else rng.choice("123456789") + digits


def de_tax_id(rng: random.Random) -> str:
    """Steuer-ID: ten digits, the first not 0, one of them twice and the rest once (BZSt's rule), then the ISO/IEC 7064
    MOD 11,10 check digit; written in groups of 2-3-3-3 or bare."""
    while True:
        chosen = rng.sample(string.digits, 9)
        body = chosen + [rng.choice(chosen)]
        rng.shuffle(body)
        if body[0] != "0":
            break
    product = 10
    for ch in body:
        total = (int(ch) + product) % 10
        product = (10 if total == 0 else total) * 2 % 11
    check = 11 - product
    raw = "".join(body) + str(0 if check == 10 else check)
    return f"{raw[:2]} {raw[2:5]} {raw[5:8]} {raw[8:]}" if rng.random() < 0.5 else raw


def de_social_insurance(rng: random.Random, birth: date, surname: str) -> str:
    """Rentenversicherungsnummer: area number, birth date DDMMYY, the birth name's initial, serial (00-49 men, 50-99
    women), check digit (weights 2,1,2,5,7,1,2,1,2,1,2,1 over the digits with the letter as its two-digit place in
    the alphabet; the products' digit sums added, modulo 10)."""
    initial = unicodedata.normalize("NFKD", surname)[0].upper()  # "Özdemir": O
    initial = initial if "A" <= initial <= "Z" else "X"
    head = f"{rng.randint(2, 89):02d}{birth.strftime('%d%m%y')}"
    serial = f"{rng.randint(0, 99):02d}"
    numbers = head + f"{ord(initial) - 64:02d}" + serial
    total = 0
    for d, w in zip(numbers, (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)):
        product = int(d) * w
        total += product // 10 + product % 10
    return f"{head[:2]} {head[2:]} {initial} {serial}{total % 10}"


_DE_PASSPORT_CHARS = "CFGHJKLMNPRTVWXYZ0123456789"


def other_passport(rng: random.Random) -> tuple[str, str]:
    """(country, number) in each country's published shape: Germany (an authority letter, three authority digits,
    five serial characters of the ICAO-safe alphabet), India (a letter and seven digits), Singapore (E or K, seven
    digits, a letter), Canada (two letters, six digits), France (two digits, two letters, five digits)."""
    country = rng.choice(["German", "Indian", "Singaporean", "Canadian", "French"])
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    letters = lambda n: "".join(rng.choice(string.ascii_uppercase) for _ in range(n))  # noqa: E731
    number = {
        "German": lambda: rng.choice("CFGHJK") + digits(3) + "".join(rng.choice(_DE_PASSPORT_CHARS) for _ in range(5)),
        "Indian": lambda: rng.choice("ABCDEFGHJKLMNPRSTUVW") + rng.choice("123456789") + digits(6),
        "Singaporean": lambda: rng.choice("EK") + digits(7) + letters(1),
        "Canadian": lambda: letters(2) + digits(6),
        "French": lambda: digits(2) + letters(2) + digits(5),
    }[country]()
    return country, number


_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # never I, O or Q
_VIN_TRANSLITERATION = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9)))


def vin(rng: random.Random) -> str:
    """ISO 3779 / 49 CFR 565: position 9 is the weighted sum mod 11 (10 written "X")."""
    body = [rng.choice(_VIN_CHARS) for _ in range(17)]
    body[9] = rng.choice("ABCDEFGHJKLMNPRSTVWXY123456789")  # model year
    body[13:] = (rng.choice(string.digits) for _ in range(4))  # the serial's last four are digits (ISO 3779)
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    total = sum((int(c) if c.isdigit() else _VIN_TRANSLITERATION[c]) * w for c, w in zip(body, weights)) % 11
    body[8] = "X" if total == 10 else str(total)
    return "".join(body)


def mbi(rng: random.Random) -> str:
    """CMS's eleven positions: C A AN N A AN N A A N N, letters without S, L, O, I, B and Z."""
    letters = "".join(sorted(set(string.ascii_uppercase) - set("SLOIBZ")))
    either = letters + string.digits
    d = string.digits
    chars = [rng.choice("123456789"), rng.choice(letters), rng.choice(either), rng.choice(d), rng.choice(letters),
             rng.choice(either), rng.choice(d), rng.choice(letters), rng.choice(letters), rng.choice(d), rng.choice(d)]
    raw = "".join(chars)
    return f"{raw[:4]}-{raw[4:7]}-{raw[7:]}" if rng.random() < 0.5 else raw


def ca_sin(rng: random.Random) -> str:
    body = luhn_complete(rng.choice("1234567") + "".join(rng.choice(string.digits) for _ in range(7)))
    return f"{body[:3]} {body[3:6]} {body[6:]}"


def ca_health(rng: random.Random) -> str:
    """An Ontario health card: ten digits and a two-letter version code."""
    digits = "".join(rng.choice(string.digits) for _ in range(10))
    return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}-{rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}"


def utr(rng: random.Random) -> str:
    digits = "".join(rng.choice(string.digits) for _ in range(10))
    return digits if rng.random() < 0.5 else f"{digits[:5]} {digits[5:]}"


def swift(rng: random.Random) -> str:
    bank = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
    code = bank + rng.choice(["DE", "GB", "US", "FR", "SG", "IN", "NL", "CH"]) + rng.choice(string.ascii_uppercase) + rng.choice(string.ascii_uppercase + string.digits)
    return code + rng.choice(["", "XXX", "".join(rng.choice(string.digits) for _ in range(3))])


def _base64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(rng: random.Random, subject: str) -> str:
    import json

    header = _base64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _base64url(json.dumps({"sub": subject, "iat": rng.randint(1_600_000_000, 1_800_000_000)}).encode())
    return f"{header}.{payload}.{_base64url(rng.randbytes(32))}"


def private_key(rng: random.Random) -> str:
    """A PEM block of the right shape (random bytes, not a usable key)."""
    import base64

    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    body = base64.b64encode(rng.randbytes(rng.choice([121, 256, 600]))).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----"
