"""Checksums and issuance rules that turn a digit pattern into a confirmed identifier.

A match that passes its checksum is reported as ``validated`` and wins overlaps; one that fails is not PII of that
type at all (a Luhn-invalid 16-digit number is an order number, not a card).
"""

from __future__ import annotations

import string
from itertools import cycle

_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29,
    "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
    # Countries with IBANs outside the SWIFT registry (published by their central banks, listed by Nordea and others).
    "AO": 25, "BF": 28, "BJ": 28, "CF": 27, "CG": 27, "CI": 28, "CM": 27, "CV": 25, "DZ": 26, "GA": 27, "GQ": 27,
    "GW": 25, "IR": 26, "KM": 27, "MA": 28, "MG": 27, "ML": 28, "MZ": 25, "NE": 28, "SN": 28, "TD": 27,
    "TG": 28,
}
ISO_COUNTRIES = frozenset(
    "AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BM BN BO BR BS BT BW BY BZ CA CD CF CG "
    "CH CI CK CL CM CN CO CR CU CV CW CY CZ DE DJ DK DM DO DZ EC EE EG ES ET FI FJ FK FM FO FR GA GB GD GE GG GH GI "
    "GL GM GN GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY "
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MO MP MR MS MT MU MV MW MX MY MZ NA NC NE NG "
    "NI NL NO NP NR NZ OM PA PE PF PG PH PK PL PR PS PT PW PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR "
    "SS ST SV SX SY SZ TC TD TG TH TJ TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WS XK YE ZA ZM "
    "ZW".split()
)


def digits(value: str) -> str:
    """The value's digits (``str.isdigit``), in order. Candidates are nearly always digit runs, bare or grouped by
    spaces or hyphens: those take two C calls; others ``filter`` over the C-level ``str.isdigit`` (a third of the
    cost of a generator expression)."""
    if value.isdigit():
        return value
    # Grouped digits ("4111 1111-1111"): without their separators, the digits are all there is.
    bare = value.replace(" ", "").replace("-", "")
    if bare.isdigit():
        return bare
    return "".join(filter(str.isdigit, value))


# Luhn's doubled digit (2d, minus 9 above 9) as a character, so that both sums run in C over the encoded digits.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn(number: str) -> bool:
    if not number.isdigit() or len(number) < 2:
        return False
    if number.isascii():
        # Every other digit from the right as is, the others doubled: byte sums less 48 ("0") per digit.
        kept, doubled = number[::-1][0::2], number[::-1][1::2].translate(_LUHN_DOUBLED)
        return (sum(kept.encode()) + sum(doubled.encode()) - 48 * len(number)) % 10 == 0
    return luhn_by_digit(number)  # digits of other scripts (``str.isdigit``)


def luhn_by_digit(number: str) -> bool:
    """Luhn's check digit by digit: the definition, for what ``luhn``'s byte sums do not cover (and its tests)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card(number: str) -> bool:
    """Luhn plus a real issuer range and length (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro,
    Dankort, UATP/AirPlus, RuPay)."""
    n = digits(number)
    if not 12 <= len(n) <= 19 or len(set(n)) == 1 or not luhn(n):
        return False
    two, four, six = int(n[:2]), int(n[:4]), int(n[:6])
    return (
        (n[0] == "4" and len(n) in (13, 16, 19))
        or ((51 <= two <= 55 or 222100 <= six <= 272099) and len(n) == 16)
        or (two in (34, 37) and len(n) == 15)
        or ((n.startswith("6011") or n.startswith("65") or 644 <= int(n[:3]) <= 649) and len(n) in (16, 19))
        or (3528 <= four <= 3589 and 16 <= len(n) <= 19)
        or ((two in (36, 38, 39) or 300 <= int(n[:3]) <= 305) and 14 <= len(n) <= 19)
        or (n.startswith("62") and 16 <= len(n) <= 19)
        or (n[:4] in ("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763") and 12 <= len(n) <= 19)
        or (n.startswith("5019") and len(n) == 16)
        or (n[0] == "1" and len(n) == 15)
        or ((n[:2] in ("60", "81", "82") or n[:3] == "508") and len(n) == 16)  # RuPay (India)
    )


_IBAN_NUMERALS = str.maketrans({ch: str(int(ch, 36)) for ch in string.ascii_uppercase})


def iban(value: str) -> bool:
    s = "".join(value.split()).upper()
    if len(s) < 15 or _IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit() or not s.isalnum():
        return False
    rearranged = s[4:] + s[:4]
    if rearranged.isascii():
        # Letters as their base-36 values (A=10 ... Z=35) by one table, not one ``int``/``str`` pair per character.
        return int(rearranged.translate(_IBAN_NUMERALS)) % 97 == 1
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def aba_routing(value: str) -> bool:
    n = digits(value)
    if len(n) != 9 or n == "0" * 9 or int(n[:2]) not in (*range(0, 13), *range(21, 33), *range(61, 73), 80):
        return False
    w = (3, 7, 1) * 3
    return sum(int(d) * k for d, k in zip(n, w)) % 10 == 0


# Numbers printed in advertising (the Woolworth wallet card, the 1942 Social Security pamphlet, LifeLock's
# billboard) or used as obvious fillers: reused by thousands of people, so never a person's own number.
_SSN_NEVER_ISSUED = frozenset({"078051120", "219099999", "457555462", "123456789", "111111111", "333333333"})


def ssn(value: str) -> bool:
    n = digits(value)
    if len(n) != 9 or n in _SSN_NEVER_ISSUED:
        return False
    area, group, serial = int(n[:3]), int(n[3:5]), int(n[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


def itin(value: str) -> bool:
    n = digits(value)
    if len(n) != 9 or n[0] != "9":
        return False
    group = int(n[3:5])
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


# One step of the check per position (mod 8) as a lookup: step[c][digit character] is the next ``c``.
_VERHOEFF_STEPS = tuple(
    tuple({str(d): _VERHOEFF_D[c][p[d]] for d in range(10)} for c in range(10)) for p in _VERHOEFF_P
)


def verhoeff(number: str) -> bool:
    c = 0
    if number.isascii() and number.isdigit():
        for step, ch in zip(cycle(_VERHOEFF_STEPS), reversed(number)):
            c = step[c][ch]
        return c == 0
    for i, ch in enumerate(reversed(number)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def aadhaar(value: str) -> bool:
    n = digits(value)
    return len(n) == 12 and n[0] not in "01" and len(set(n)) > 1 and verhoeff(n)


def de_tax_id(value: str) -> bool:
    """Germany's Steuerliche Identifikationsnummer: 11 digits, no leading 0; among the first ten exactly one digit
    occurs twice or three times (three not in a row) and the rest at most once; the last is the ISO/IEC 7064
    MOD 11,10 check digit."""
    n = digits(value)
    if len(n) != 11 or n[0] == "0":
        return False
    counts = sorted((n[:10].count(d) for d in set(n[:10])), reverse=True)
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] > 1):
        return False
    if counts[0] == 3 and any(n[i] == n[i + 1] == n[i + 2] for i in range(8)):
        return False
    product = 10
    for ch in n[:10]:
        total = (int(ch) + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10 == int(n[10])


_RVNR_WEIGHTS = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)


def de_social_insurance(value: str) -> bool:
    """Germany's Rentenversicherungsnummer ("15 070649 C 103"): an area number (02-89), the birth date as DDMMYY (the
    day may carry +50 when dates ran out), the birth name's initial, a two-digit serial and a check digit: the letter
    as its place in the alphabet (two digits), weights 2,1,2,5,7,1,2,1,2,1,2,1, the digit sums of the products added,
    modulo 10."""
    v = value.replace(" ", "").upper()
    if len(v) != 12 or not (v[:8].isdigit() and v[8].isalpha() and v[8].isascii() and v[9:].isdigit()):
        return False
    area, day, month = int(v[:2]), int(v[2:4]) % 50, int(v[4:6])
    if not (2 <= area <= 89 and 1 <= day <= 31 and 1 <= month <= 12):
        return False
    numbers = v[:8] + f"{ord(v[8]) - 64:02d}" + v[9:11]
    total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(numbers, _RVNR_WEIGHTS))
    return total % 10 == int(v[11])


def pan(value: str) -> bool:
    v = value.upper()
    return (
        # The fourth letter is the holder type: P person, C company, H Hindu undivided family, F firm, E LLP,
        # A association, B body of individuals, G government, J juridical person, L local authority, T trust.
        len(v) == 10 and v[:5].isalpha() and v[5:9].isdigit() and v[9].isalpha() and v[3] in "ABCEFGHJLPT"
    )


def nric(value: str) -> bool:
    """Singapore NRIC/FIN (S, T, F, G, M series) check letter."""
    v = value.upper()
    if len(v) != 9 or v[0] not in "STFGM" or not v[1:8].isdigit():
        return False
    weights = (2, 7, 6, 5, 4, 3, 2)
    total = sum(int(d) * w for d, w in zip(v[1:8], weights)) + (4 if v[0] in "TG" else 3 if v[0] == "M" else 0)
    r = total % 11
    if v[0] in "ST":
        letters = "JZIHGFEDCBA"
    elif v[0] in "FG":
        letters = "XWUTRQPNMLK"
    else:
        letters = "KLJNPQRTUWX"
        r = 10 - r
    return letters[r] == v[8]


def nhs(value: str) -> bool:
    n = digits(value)
    if len(n) != 10 or len(set(n)) == 1:
        return False
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(n[:9])) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(n[9])


_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def nino(value: str) -> bool:
    v = "".join(value.split()).upper()
    if len(v) != 9 or not v[:2].isalpha() or not v[2:8].isdigit() or v[8] not in "ABCD":
        return False
    first, second = v[0], v[1]
    return (
        first not in "DFIQUV" and second not in "DFIQUVO" and v[:2] not in _NINO_BAD_PREFIXES
    )


def ca_sin(value: str) -> bool:
    n = digits(value)
    return len(n) == 9 and n[0] not in "08" and luhn(n)


def npi(value: str) -> bool:
    n = digits(value)
    return len(n) == 10 and n[0] in "12" and luhn("80840" + n)


def dea(value: str) -> bool:
    v = value.upper()
    if len(v) != 9 or v[0] not in "ABCDEFGHJKLMPRSTUX" or not (v[1].isalpha() or v[1] == "9") or not v[2:].isdigit():
        return False
    d = [int(x) for x in v[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


_VIN_VALUES = {**{str(i): i for i in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))),
               "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(value: str) -> bool:
    v = value.upper()
    if len(v) != 17 or any(ch not in _VIN_VALUES for ch in v) or v.isdigit() or v.isalpha():
        return False
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(v, _VIN_WEIGHTS)) % 11
    return v[8] == ("X" if total == 10 else str(total))


_MBI_ALPHA = set(string.ascii_uppercase) - set("SLOIBZ")


def mbi(value: str) -> bool:
    """Medicare Beneficiary Identifier: 11 characters in the CMS position rules (letters exclude S L O I B Z)."""
    v = value.replace("-", "").upper()
    if len(v) != 11:
        return False
    kinds = "CAANANNAANN"  # C: 1-9, A: letter, N: digit, and positions 3, 6 may be letter or digit
    for i, (ch, kind) in enumerate(zip(v, kinds)):
        if i == 0 and not ("1" <= ch <= "9"):
            return False
        if i in (2, 5):
            if not (ch.isdigit() or ch in _MBI_ALPHA):
                return False
        elif kind == "A" and ch not in _MBI_ALPHA:
            return False
        elif kind == "N" and not ch.isdigit():
            return False
    return True


def swift(value: str) -> bool:
    v = value.upper()
    return len(v) in (8, 11) and v[:4].isalpha() and v[4:6] in ISO_COUNTRIES and v[6:].isalnum()


def sg_plate(value: str) -> bool:
    """Singapore vehicle plate check letter: the prefix's last two letters (A=1..Z=26, a lone letter after "S" with
    0 before it) and the number padded to four digits, weighted 9 4 5 4 3 2, sum mod 19 into AZYXUTSRPMLKJHGEDCB
    ("SBS3229P")."""
    v = value.upper()
    check = v[-1]
    letters = "".join(c for c in v[:-1] if c.isalpha())
    number = digits(v[:-1])
    if not letters or not number or len(number) > 4 or not check.isalpha():
        return False
    pair = letters[-2:] if len(letters) > 1 else letters
    codes = [0] * (2 - len(pair)) + [ord(c) - 64 for c in pair]
    numbers = [int(d) for d in number.rjust(4, "0")]
    total = sum(w * x for w, x in zip((9, 4, 5, 4, 3, 2), codes + numbers))
    return "AZYXUTSRPMLKJHGEDCB"[total % 19] == check
