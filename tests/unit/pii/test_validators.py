"""Each checksum accepts known-good identifiers and rejects near misses (one digit changed)."""

import pytest

from cloakr.pii import validators as v

GOOD = [
    (v.card, "4111 1111 1111 1111"), (v.card, "5500 0000 0000 0004"), (v.card, "3782 822463 10005"),
    (v.card, "8258 3234 7525 9642"), (v.card, "6070 0000 0000 0002"),  # RuPay
    (v.sg_plate, "SBS3229P"), (v.sg_plate, "SMK1931U"),
    (v.iban, "DE89 3704 0044 0532 0130 00"), (v.iban, "GB82 WEST 1234 5698 7654 32"), (v.iban, "NO9386011117947"),
    (v.aba_routing, "011000015"), (v.ssn, "536-22-1234"), (v.itin, "912-70-1234"), (v.aadhaar, "2341 2341 2346"),
    (v.pan, "ABCPE1234F"), (v.nric, "S1234567D"), (v.nric, "T1234567J"), (v.nric, "F1234567N"),
    (v.nhs, "943 476 5919"), (v.nino, "AB123456C"), (v.ca_sin, "130 692 544"), (v.npi, "1245319599"),
    (v.dea, "AB1234563"), (v.vin, "1HGCM82633A004352"), (v.mbi, "1EG4-TE5-MK73"), (v.swift, "DEUTDEFF500"),
]
BAD = [
    (v.card, "4111 1111 1111 1112"), (v.card, "1234 5678 9012 3456"), (v.card, "0000 0000 0000 0000"),
    (v.sg_plate, "SBS3229Q"), (v.sg_plate, "SGX1234A"), (v.sg_plate, "S1234"),
    (v.iban, "DE89 3704 0044 0532 0130 01"), (v.iban, "DE89 3704 0044 0532 0130"), (v.aba_routing, "011000016"),
    (v.ssn, "000-12-3456"), (v.ssn, "666-12-3456"), (v.ssn, "912-12-3456"), (v.ssn, "123-00-4567"),
    (v.ssn, "123-45-0000"), (v.ssn, "078-05-1120"), (v.itin, "912-40-1234"), (v.aadhaar, "2341 2341 2345"),
    (v.aadhaar, "1341 2341 2346"), (v.pan, "ABCXE1234F"), (v.nric, "S1234567A"), (v.nhs, "943 476 5918"),
    (v.nino, "BG123456C"), (v.nino, "DA123456C"), (v.ca_sin, "130 692 545"), (v.npi, "1245319598"),
    (v.dea, "AB1234564"), (v.vin, "1HGCM82633A004353"), (v.mbi, "1EG4-TE5-MK7"), (v.swift, "DEUTXXFF"),
]


@pytest.mark.parametrize(("check", "value"), GOOD, ids=lambda x: getattr(x, "__name__", x))
def test_valid(check, value):
    assert check(value)


@pytest.mark.parametrize(("check", "value"), BAD, ids=lambda x: getattr(x, "__name__", x))
def test_invalid(check, value):
    assert not check(value)
