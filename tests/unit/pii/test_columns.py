"""Pasted tables: a column's header is the cue for every cell below it, however far down (``cloakr.pii.columns``)."""

from __future__ import annotations

import pytest
from cloakr.pii import PIIEngine
from cloakr.pii.columns import inserts, table_at


def columns_of(text: str, line_start: int = 0) -> dict[str, list[str]]:
    return {text[slice(*c.header)]: [text[slice(*cell)] for cell in c.cells] for c in table_at(text, line_start)}


def found(text: str, entity: str) -> list[str]:
    return [text[f.start:f.end] for f in ENGINE.detect(text) if f.type == entity]


ENGINE = PIIEngine()


@pytest.mark.parametrize(("text", "expected"), [
    ("id,dob,phone\n1,1980-02-03,555\n2,1975-12-01,556",
     {"id": ["1", "2"], "dob": ["1980-02-03", "1975-12-01"], "phone": ["555", "556"]}),
    # Quoted cells may hold the delimiter; quotes and blanks are not part of a cell.
    ('name,sin,city\n"Okafor, Chidi", 736025552 ,"Charlottetown, PE"',
     {"name": ["Okafor, Chidi"], "sin": ["736025552"], "city": ["Charlottetown, PE"]}),
    ("id\tname\temail\n1\tPriya Sharma\tp@x.in", {"id": ["1"], "name": ["Priya Sharma"], "email": ["p@x.in"]}),
    ("PersNr;Mitarbeiter;SteuerID\n20011;Weber, Anja;21347960821", {"PersNr": ["20011"], "Mitarbeiter": ["Weber, Anja"], "SteuerID": ["21347960821"]}),
    # Markdown: the outer pipes are no cells; the separator row is a row like any other.
    ("| Name | DOB (YYYY-MM-DD) |\n|---|---|\n| Ana Lima | 1990-11-02 |",
     {"Name": ["---", "Ana Lima"], "DOB (YYYY-MM-DD)": ["---", "1990-11-02"]}),
    # A row with another number of cells (an unquoted comma in a value) is skipped, not the end of the table.
    ("id,first,last\n2,Ana,Lima, Ferreira\n3,Dwayne,Carter", {"id": ["3"], "first": ["Dwayne"], "last": ["Carter"]}),
    # A table ends at a line without its delimiter.
    ("a,dob\nx,1990-01-01\n\ny,2000-01-01", {"a": ["x"], "dob": ["1990-01-01"]}),
])
def test_a_header_line_gives_each_column_its_cells(text, expected):
    assert columns_of(text) == expected


@pytest.mark.parametrize("text", [
    "Hi Rachel, thanks for the update on the walkthrough\nOk, great, bye",  # prose: cells longer than labels
    "Name: Jane Doe, DOB: 1990-01-01\nName: John Roe, DOB: 1991-02-02",  # a form's "key: value" lines
    "Taxpayer Marcus Bell | SSN 528-74-8104\nSpouse Tanya Bell | SSN 416-20-8792",  # values, not labels
    "dob,nhs_number",  # a header with no row
    'File "/opt/app/x.py", line 88, in push\n  s3.upload_file(path, bucket, key)',  # a traceback
])
def test_lines_that_head_no_table(text):
    assert table_at(text, 0) == []


def test_an_insert_statement_labels_each_tuple_by_its_column_list():
    text = "INSERT INTO beneficiaries (name, aadhaar_no, dob) VALUES\n  ('Lakshmamma K', '718929790766', '1962-07-01'),\n  ('B. Patil', NULL, '1958-12-15');"
    (table,) = inserts(text)
    assert {text[slice(*c.header)]: [text[slice(*cell)] for cell in c.cells] for c in table} == {
        "name": ["Lakshmamma K", "B. Patil"], "aadhaar_no": ["718929790766", "NULL"], "dob": ["1962-07-01", "1958-12-15"]}
    assert columns_of(text) == {"name": ["Lakshmamma K", "B. Patil"], "aadhaar_no": ["718929790766", "NULL"], "dob": ["1962-07-01", "1958-12-15"]}


ROWS = "\n".join(f"{i},{dob},{tax},{nhs}" for i, (dob, tax, nhs) in enumerate([
    ("1948-03-15", "21347960821", "4183918928"), ("1990-10-01", "78503169280", "6150039358"),
    ("1936-06-28", "80465372619", "6713936180")] * 8))


@pytest.mark.parametrize(("entity", "header", "value"), [
    ("DATE_OF_BIRTH", "id,dob,x,y", "1936-06-28"),
    ("DE_TAX_IDENTIFICATION_NUMBER", "id,x,Steuer-ID,y", "80465372619"),
    ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "id,x,y,nhs_number", "6713936180"),
])
def test_a_cue_in_the_header_finds_values_far_below_it(entity, header, value):
    text = f"{header}\n{ROWS}"
    assert text.index(value, text.rindex("\n")) - len(header) > 600  # far outside any cue window
    assert value in found(text, entity)
    # The same rows under a header without the cue: the bare numbers are not reported (the test can fail).
    assert value not in found(f"id,a,b,c\n{ROWS}", entity)


def test_insert_columns_cue_card_expiry_and_cvv():
    text = ("-- from the query log:\nINSERT INTO payments (customer, email, card_number, exp, cvv, amount) VALUES "
            "('Owen McAllister', 'owen@example.com', '5352056174833801', '11/28', '604', 89.99);")
    assert found(text, "CREDIT_DEBIT_CARD_EXPIRY") == ["11/28"]
    assert found(text, "CREDIT_DEBIT_CARD_CVV") == ["604"]
    assert found(text, "NAME") == ["Owen McAllister"]


def test_a_header_that_names_another_things_id_cues_nothing():
    """ "call_id" holds call ids, not phone numbers, though "call" is a phone cue (rows far below it: no window cue)."""
    rows = "\n".join(f"111-550{i:02d},2024-12-02 19:04,P2" for i in range(30))
    assert "111-55029" not in found(f"call_id,received,priority\n{rows}", "PHONE")
    assert "111-55029" in found(f"phone,received,priority\n{rows}", "PHONE")


def test_a_cue_in_a_data_row_does_not_make_a_column():
    rows = "\n".join(f"{i},x,91480127{i:02d}" for i in range(30))
    text = f"id,note,value\n1,phone,1\n{rows}"
    assert "9148012729" not in found(text, "PHONE")
    assert "9148012729" in found(text.replace("value", "mobile"), "PHONE")
