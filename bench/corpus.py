"""A labelled, seeded corpus of realistic prompts with exact gold spans, plus hard negatives.

Texts are assembled from templates, so every gold span is exact by construction; dates come from fixed ranges
(never "now"), so a seed gives the same corpus on any day. Shapes: support tickets, clinical notes, HR e-mails, code
with secrets, KYC forms (India, Singapore), UK and German letters, US bank forms, logs, structured data (a JSON
payload with camelCase keys, a CSV export with name columns, an HL7 admission message), and the prompts every other
type turns up in: identity checks, shipping requests and vehicle claims (each locale's addresses), UK tax letters,
Canadian intake forms, Medicare claims, wire transfers, API debugging, German payslips, travel bookings. Every type
of the vocabulary occurs. Hard negatives carry no gold span: order numbers, UUIDs, git SHAs, versions, timestamps,
prices, Luhn-invalid 16-digit numbers, never-issued SSNs.

    python -m bench.corpus --samples 2000 --seed 7 --dump corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import uuid
from datetime import date, datetime
from dataclasses import dataclass, field
from typing import Callable

from faker import Faker

from bench import identifiers as ids

LOCALES = ("en_US", "en_GB", "de_DE", "en_IN")
SG_SURNAMES = ("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Koh", "Teo")
SG_GIVEN = ("Wei Ming", "Jia Hui", "Kai Wen", "Hui Min", "Jun Jie", "Xin Yi", "Zhi Hao", "Li Ting")


@dataclass
class Sample:
    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)
    shape: str = ""
    negative: str = ""

    def to_json(self) -> str:
        return json.dumps({"text": self.text, "spans": self.spans, "shape": self.shape, "negative": self.negative})


class Builder:
    """Appends literal text and labelled values, recording each value's span."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[tuple[str, int, int]] = []
        self.length = 0

    def text(self, value: str) -> "Builder":
        self.parts.append(value)
        self.length += len(value)
        return self

    def pii(self, entity_type: str, value: str) -> "Builder":
        self.spans.append((entity_type, self.length, self.length + len(value)))
        return self.text(value)

    def build(self, shape: str) -> Sample:
        return Sample("".join(self.parts), self.spans, shape)


# Literal braces in a template (JSON), written as these stand-ins of the same length so spans stay exact.
_BRACES = str.maketrans("«»", "{}")


def _fill(template: str, values: dict[str, tuple[str, str]]) -> Builder:
    """``template`` with ``{slot}`` markers; ``values[slot] = (entity_type, value)``; "«" and "»" become braces."""
    builder = Builder()
    for literal, slot in re.findall(r"([^{]*)(?:\{(\w+)\})?", template):
        builder.text(literal.translate(_BRACES))
        if slot:
            builder.pii(*values[slot])
    return builder


def _sg_name(rng: random.Random) -> str:
    return f"{rng.choice(SG_SURNAMES)} {rng.choice(SG_GIVEN)}"


_IN_STATES = ("MH", "KA", "DL", "TN", "GJ", "UP", "WB", "TS")


def _shapes(fake: Faker, rng: random.Random, by_locale: dict[str, Faker]) -> dict[str, Callable[[], Builder]]:
    """Sample builders; ``fake`` is the sample's locale, ``by_locale`` every locale's Faker (a UK letter carries a
    UK address whatever the sample's locale)."""

    def name() -> tuple[str, str]:
        return ("NAME", f"{fake.first_name()} {fake.last_name()}")

    def address(locale: str | None = None, lines: bool = False) -> tuple[str, str]:
        """A postal address as Faker writes it for the locale: on one line, or as a letter's lines."""
        faker = by_locale[locale] if locale else fake
        text = faker.address()
        if faker.locales[0] == "en_IN":  # Faker's PINs may start with 0, which no Indian PIN does
            text = re.sub(r"\b0(\d{5})\b", lambda m: str(rng.randint(1, 8)) + m.group(1), text)
        return ("ADDRESS", text if lines else text.replace("\n", ", "))

    def plate() -> str:
        if fake.locales[0] == "en_IN":  # Faker has no Indian plates: "MH 12 AB 1234"
            letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
            return f"{rng.choice(_IN_STATES)} {rng.randint(1, 99):02d} {letters} {rng.randint(1, 9999):04d}"
        return fake.license_plate()

    def age_phrase() -> str:
        return rng.choice(["aged {age}", "{age} years old", "a {age}-year-old", "age: {age}"])

    return {
        "support_ticket": lambda: _fill(
            "Hi support, this is {n}. My account email is {e} and you can call me on {p}. "
            "The card ending problem: charged twice on {c}. Thanks!",
            {"n": name(), "e": ("EMAIL", fake.email()), "p": ("PHONE", rng.choice(["+1 415-555-0" + f"{rng.randint(100, 199)}", f"+44 20 7946 0{rng.randint(100, 999)}"])), "c": ("CREDIT_DEBIT_CARD_NUMBER", ids.card(rng))},
        ),
        "clinical_note": lambda: _fill(
            "Patient: {n}\nDOB: {d}\nMRN: {m}\nSeen by provider NPI {npi} (DEA {dea}). Medicare MBI on file. "
            "Patient reports chest pain since Tuesday; BP 140/90.",
            {"n": name(), "d": ("DATE_OF_BIRTH", fake.date_between(start_date=date(1935, 1, 1), end_date=date(2006, 12, 31)).strftime("%m/%d/%Y")),
             "m": ("MEDICAL_RECORD_NUMBER", f"{rng.randint(10000000, 99999999)}"), "npi": ("US_NATIONAL_PROVIDER_IDENTIFIER", ids.npi(rng)),
             "dea": ("US_DEA_NUMBER", ids.dea(rng))},
        ),
        "hr_email": lambda: _fill(
            "Dear {n},\n\nWelcome aboard! Please confirm your SSN {s} and bank routing number {r} "
            "for payroll. Your start date is next Monday.\n\nBest,\n{n2}",
            {"n": name(), "s": ("US_SOCIAL_SECURITY_NUMBER", ids.ssn(rng)), "r": ("US_BANK_ROUTING_NUMBER", ids.aba(rng)), "n2": name()},
        ),
        "code_with_secrets": lambda: _fill(
            "Why does this fail?\n```python\nimport boto3\nsession = boto3.Session(\n    aws_access_key_id=\"{a}\",\n"
            "    aws_secret_access_key=\"{s}\",\n)\nGITHUB_TOKEN = \"{g}\"\n```\nIt says AccessDenied.",
            {"a": ("AWS_ACCESS_KEY", ids.aws_access_key(rng)), "s": ("AWS_SECRET_KEY", ids.aws_secret(rng)), "g": ("API_TOKEN", ids.github_token(rng))},
        ),
        "kyc_india": lambda: _fill(
            "KYC form\nName: {n}\nAadhaar: {a}\nPAN: {p}\nAddress: {addr}\nMobile: {m}\nEmail: {e}",
            {"n": ("NAME", f"{fake.first_name()} {fake.last_name()}"), "a": ("IN_AADHAAR", ids.aadhaar(rng)), "p": ("IN_PERMANENT_ACCOUNT_NUMBER", ids.pan(rng)),
             "addr": address("en_IN"), "m": ("PHONE", f"+91 {rng.choice('6789')}{rng.randint(100000000, 999999999)}"), "e": ("EMAIL", fake.email())},
        ),
        "kyc_singapore": lambda: _fill(
            "Applicant: {n}\nNRIC: {i}\nContact number: {p}\nPlease verify identity before account opening.",
            {"n": ("NAME", _sg_name(rng)), "i": ("SG_NRIC", ids.nric(rng)), "p": ("PHONE", f"+65 {rng.choice('689')}{rng.randint(1000000, 9999999)}")},
        ),
        "uk_letter": lambda: _fill(
            "Dear {n},\n\nYour National Insurance number {ni} and NHS number {nhs} have been recorded. "
            "Please call {p} if anything is wrong.\n\nYours sincerely",
            {"n": name(), "ni": ("UK_NATIONAL_INSURANCE_NUMBER", ids.nino(rng)), "nhs": ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", ids.nhs(rng)),
             "p": ("PHONE", f"+44 20 7946 0{rng.randint(100, 999)}")},
        ),
        "german_letter": lambda: _fill(
            "Sehr geehrte Frau {n},\n\nbitte überweisen Sie den Betrag auf IBAN {i}. "
            "Rückfragen unter {p} oder per E-Mail an {e}.\n\nMit freundlichen Grüßen",
            {"n": ("NAME", f"{fake.first_name_female()} {fake.last_name()}"), "i": ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", ids.iban_de(rng)),
             "p": ("PHONE", f"+49 30 {rng.randint(1000000, 9999999)}"), "e": ("EMAIL", fake.email())},
        ),
        "bank_form": lambda: _fill(
            "Loan application. Applicant SSN: {s}. Card number {c}, CVV {cvv}, exp {x}. "
            "Driver's license: {dl}. Checking account {acct}.",
            {"s": ("US_SOCIAL_SECURITY_NUMBER", ids.ssn(rng)), "c": ("CREDIT_DEBIT_CARD_NUMBER", ids.card(rng)), "cvv": ("CREDIT_DEBIT_CARD_CVV", f"{rng.randint(100, 999)}"),
             "x": ("CREDIT_DEBIT_CARD_EXPIRY", f"{rng.randint(1, 12):02d}/{rng.randint(26, 31)}"), "dl": ("DRIVER_ID", f"D{rng.randint(1000000, 9999999)}"),
             "acct": ("US_BANK_ACCOUNT_NUMBER", f"{rng.randint(10**9, 10**12 - 1)}")},
        ),
        # Structured data pasted into a prompt: keys name the values (camelCase, snake_case), names are split into
        # their parts, and the table's names sit in columns headed by a label.
        "json_payload": lambda: _fill(
            'Can you check this payload?\n«"firstName": "{fn}", "lastName": "{ln}", "email": "{e}", '
            '"dateOfBirth": "{d}", "accountNumber": "{acct}", "password": "{pw}"»',
            {"fn": ("NAME", fake.first_name()), "ln": ("NAME", fake.last_name()), "e": ("EMAIL", fake.email()),
             "d": ("DATE_OF_BIRTH", fake.date_between(start_date=date(1935, 1, 1), end_date=date(2006, 12, 31)).isoformat()),
             "acct": ("US_BANK_ACCOUNT_NUMBER", f"{rng.randint(10**9, 10**12 - 1)}"), "pw": ("PASSWORD", fake.password(length=12, special_chars=False))},
        ),
        "csv_export": lambda: _fill(
            "Summarise this export:\nfirst_name,last_name,ssn,plan\n{fn1},{ln1},{s1},gold\n{fn2},{ln2},{s2},basic",
            {"fn1": ("NAME", fake.first_name()), "ln1": ("NAME", fake.last_name()), "s1": ("US_SOCIAL_SECURITY_NUMBER", ids.ssn(rng)),
             "fn2": ("NAME", fake.first_name()), "ln2": ("NAME", fake.last_name()), "s2": ("US_SOCIAL_SECURITY_NUMBER", ids.ssn(rng))},
        ),
        # Every other type of the vocabulary, in the prompts where it turns up.
        "identity_check": lambda: _fill(
            "Identity check for {n}, " + age_phrase() + ". US passport number {pp}, ITIN {itin}. "
            + rng.choice(["Telephone banking PIN: {pin}.", "The card's PIN is {pin}."]),
            {"n": name(), "age": ("AGE", str(rng.randint(18, 95))), "pp": ("US_PASSPORT_NUMBER", ids.us_passport(rng)),
             "itin": ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", ids.itin(rng)), "pin": ("PIN", f"{rng.randint(0, 9999):04d}")},
        ),
        "german_payroll": lambda: (lambda first, last, born: _fill(
            "Lohnabrechnung November\nMitarbeiter: {n}\nSteuer-ID: {tax}\nSozialversicherungsnummer: {sv}\nBitte prüfen.",
            {"n": ("NAME", f"{first} {last}"), "tax": ("DE_TAX_IDENTIFICATION_NUMBER", ids.de_tax_id(rng)),
             "sv": ("DE_SOCIAL_INSURANCE_NUMBER", ids.de_social_insurance(rng, born, last))},
        ))(by_locale["de_DE"].first_name(), by_locale["de_DE"].last_name(), by_locale["de_DE"].date_of_birth(minimum_age=18, maximum_age=67)),
        # An HL7 v2 admission message pasted from an interface log: positional fields, no labels.
        "hl7_adt": lambda: (lambda us: _fill(
            "Why does the interface reject this?\nMSH|^~\\&|EPIC|HOSP|LAB|HOSP|20240501120000||ADT^A01|MSG"
            + str(rng.randint(10000, 99999)) + "|P|2.5\rPID|1||{mrn}||{n}||{dob}|" + rng.choice("FM") + "|||{addr}||{p}|||S||||{s}",
            {"mrn": ("MEDICAL_RECORD_NUMBER", f"{rng.randint(10**7, 10**8 - 1)}^^^HOSP^MR"),
             "n": ("NAME", f"{us.last_name().upper()}^{us.first_name().upper()}"),
             "dob": ("DATE_OF_BIRTH", us.date_of_birth(minimum_age=1, maximum_age=95).strftime("%Y%m%d")),
             "addr": ("ADDRESS", f"{us.street_address().upper()}^^{us.city().upper()}^{us.state_abbr()}^{us.postcode()}"),
             "p": ("PHONE", f"({rng.randint(201, 989)}){rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"),
             "s": ("US_SOCIAL_SECURITY_NUMBER", ids.ssn(rng))},
        ))(by_locale["en_US"]),
        "travel_booking": lambda: (lambda country, number: _fill(
            "Booking for {n}, " + country + " passport " + rng.choice(["{pp}", "no. {pp}", "number: {pp}"]) + ", seat 14C. Please add the API data.",
            {"n": name(), "pp": ("PASSPORT_NUMBER", number)},
        ))(*ids.other_passport(rng)),
        "shipping_request": lambda: _fill(
            "Hi, could you send the replacement part to {n}, {addr}? The old one stopped working on Monday.",
            {"n": name(), "addr": address()},
        ),
        "vehicle_claim": lambda: _fill(
            "Claim for the insured vehicle: VIN {vin}, license plate {plate}. It was parked outside {addr} overnight.",
            {"vin": ("VEHICLE_IDENTIFICATION_NUMBER", ids.vin(rng)), "plate": ("LICENSE_PLATE", plate()), "addr": address()},
        ),
        "uk_tax_letter": lambda: _fill(
            "{n}\n{addr}\n\nDear {n2},\n\nYour Unique Taxpayer Reference (UTR) is {utr}. Quote it whenever you write to HMRC.",
            {"n": name(), "addr": address("en_GB", lines=True), "n2": name(), "utr": ("UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", ids.utr(rng))},
        ),
        "canada_intake": lambda: _fill(
            "Patient intake (Ontario)\nName: {n}\nSIN: {sin}\nHealth card number: {hc}\nReason: follow-up after surgery",
            {"n": name(), "sin": ("CA_SOCIAL_INSURANCE_NUMBER", ids.ca_sin(rng)), "hc": ("CA_HEALTH_NUMBER", ids.ca_health(rng))},
        ),
        "medicare_claim": lambda: _fill(
            "Medicare claim for {n} (DOB {d}): MBI {mbi}. Ambulance transfer on 3 March; please confirm coverage.",
            {"n": name(), "d": ("DATE_OF_BIRTH", fake.date_between(start_date=date(1925, 1, 1), end_date=date(1960, 12, 31)).strftime("%m/%d/%Y")),
             "mbi": ("US_MEDICARE_BENEFICIARY_IDENTIFIER", ids.mbi(rng))},
        ),
        "wire_transfer": lambda: _fill(
            "Please wire EUR 2,400 to {n}, IBAN {iban}, SWIFT/BIC {bic}, before the end of the month.",
            {"n": name(), "iban": ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", ids.iban_de(rng)), "bic": ("SWIFT_CODE", ids.swift(rng))},
        ),
        "api_debug": lambda: _fill(
            "Auth fails with 401. Request header:\nAuthorization: Bearer {jwt}\nand the service key we load:\n{pem}\nWhat is wrong?",
            {"jwt": ("JWT", ids.jwt(rng, fake.user_name())), "pem": ("PRIVATE_KEY", ids.private_key(rng))},
        ),
        "logs": lambda: _fill(
            f"2024-05-01T10:00:{rng.randint(10, 59)}Z login ok user={{u}} ip={{ip}} mac={{mac}} url={{url}}",
            {"u": ("USERNAME", fake.user_name()), "ip": ("IP_ADDRESS", fake.ipv4_public()), "mac": ("MAC_ADDRESS", fake.mac_address()),
             "url": ("URL", f"https://{fake.domain_name()}/account/{rng.randint(1, 9999)}")},
        ),
    }


def _negative(fake: Faker, rng: random.Random) -> Sample:
    kind, text = rng.choice([
        ("order_number", f"Order #{rng.randint(10**11, 10**12)} shipped on Tuesday."),
        ("uuid", f"Request id {uuid.UUID(int=rng.getrandbits(128))} failed with 502."),
        ("git_sha", f"Reverted commit {rng.getrandbits(160):040x} on main."),
        ("version", f"Upgrade to version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 20)}.{rng.randint(0, 9)} tonight."),
        ("timestamp", f"Deployed at {fake.date_time_between(start_date=datetime(2015, 1, 1), end_date=datetime(2025, 1, 1)).isoformat()}Z by the pipeline."),
        ("price", f"Total: ${rng.randint(1, 9999)},{rng.randint(100, 999)}.{rng.randint(10, 99)} incl. tax."),
        ("luhn_invalid", f"Reference {ids.luhn_invalid_16(rng)} was not found."),
        ("never_issued_ssn", f"Test fixture uses {ids.never_issued_ssn(rng)} as a dummy."),
        ("digit_run", f"Processed {rng.randint(10**7, 10**10)} rows in {rng.randint(2, 90)} seconds."),
        ("product", "Microsoft Teams and Amazon Web Services were down; Google Chrome kept crashing."),
    ])
    return Sample(text, [], "negative", kind)


def generate(samples: int = 2000, seed: int = 7, locales: tuple[str, ...] = LOCALES, negative_share: float = 0.25) -> list[Sample]:
    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in locales}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed + i)
    out: list[Sample] = []
    for _ in range(samples):
        fake = fakers[rng.choice(locales)]
        if rng.random() < negative_share:
            out.append(_negative(fake, rng))
            continue
        shapes = _shapes(fake, rng, fakers)
        shape = rng.choice(sorted(shapes))
        out.append(shapes[shape]().build(shape))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--locale", action="append", choices=LOCALES)
    parser.add_argument("--dump", help="write JSON lines here")
    args = parser.parse_args()
    corpus = generate(args.samples, args.seed, tuple(args.locale or LOCALES))
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as handle:
            for sample in corpus:
                handle.write(sample.to_json() + "\n")
    print(f"{len(corpus)} samples, {sum(len(s.spans) for s in corpus)} entities")


if __name__ == "__main__":
    main()
