"""Person names without a downloadable NER model: cues, lexicons and capitalisation, scored by evidence.

Evidence, strongest first:

* an honorific (``Dr. Jane Smith``), a form label (``Patient: Jane Smith``, ``Name: JANE SMITH``) or a key as data
  writes it (``"firstName": "Jane"``, ``last_name=Okonkwo``; after a label of one part of a name a lone word is that
  part, unless it is a schema's type: ``lastName: String``; in a query string ``name=Jane+Doe``; a table's or an SQL
  INSERT's column; FHIR's ``"family"`` and ``"given"`` keys; a vCard's ``N:`` and an invitation's ``CN=``), an
  e-mail header (``From: Jane Smith <``) or display name written surname first (``"Okafor, Ada" <ada@...>``), a
  salutation (``Dear Jane``), a sign-off with the name on the next line (``Regards,\\nJane``), a self-introduction
  (``my name is jane smith``, in any case) or an address it heads (``Jane Smith\\n12 Oak Lane...``, ``ship to Jane
  Smith, 12 Oak Lane...``: ``addressee``). After a cue a name need not be in the lexicons; in lower case it must be;
* two or more capitalised words backed by the lexicons: a given name then a surname or a name-shaped word, a
  common-word given name (will, rose, mark...) only before a real surname, a surname then given names
  (``Tan Wei Ming``), or a word that is only a surname, a comma and a given name (``Müller, Jürgen``). Organisation
  and street words veto a run (``Microsoft Teams``, ``Victoria Station``);
  months, days, places and common words end one and never start one; ALL-CAPS headers are not names;
* a name found with good evidence, found again elsewhere in the text, whole or by one of its words ("Thanks
  Petteri" after "Petteri Mäkinen"), where that word is no common word, place or organisation word (``_echoes``).

Speed: no Python work per word of the text. Regexes that start on an upper-case letter, a colon, "=" or a literal phrase
find the few places worth a look (sre skips everything else in C); lexicon look-ups happen only there.

The span is the name alone: the honorific, label or salutation stays outside it, so redacted text keeps its shape
(``Dr. [NAME]``, ``Patient: [NAME]``) and the model still knows how to address the person.
"""

from __future__ import annotations

import bisect
import operator
import re
import unicodedata
from functools import cache
from typing import Iterable, Iterator, NamedTuple

from cloakr.pii.columns import Column, inserts, table_at
from cloakr.pii.context import THIS_YEAR, TextIndex, occurrences, word_set
from cloakr.pii.lexicons import load
from cloakr.pii.model import Finding
from cloakr.pii.normalize import latin1_bytes
from cloakr.pii.scanning import LazyPattern

# Capitals: ASCII, Latin-1 and Latin Extended-A/B ("Łukasz", "Šimon", "Şahin", "İbrahim", "NOWAK-JABŁOŃSKA").
_UP = "A-ZÀ-ÖØ-Þ" + "".join(ch for ch in map(chr, range(0x100, 0x250)) if ch.isupper())
_LO = rf"[^\W\d_{_UP}]"
# Title-case word: O'Brien, D'Souza, Hans-Peter, McDonald, Zoë; a possessive 's stays outside.
_TAIL = rf"(?:{_LO}++(?:[{_UP}]{_LO}++)?|['’][{_UP}]{_LO}++)(?:['’-][{_UP}]?{_LO}{{2,}}+)*+"
_TITLE = rf"[{_UP}](?:{_TAIL}(?:-[{_UP}]\.)?|\.(?:[{_UP}]\.){{0,3}})"  # "H.J." as one initials word too
_CAPS = rf"(?:[{_UP}]['’])?+[{_UP}]{{2,}}+(?:['’-][{_UP}]{{2,}}+)*+"  # "O'HALLORAN", "D'SOUZA" too
_LOWER = rf"{_LO}{{2,}}+(?:['’-]{_LO}{{2,}}+)*+"
_PARTICLES = frozenset(
    "van von der den de del della di da du la le dos das bin binti binte bte bt ibn al el ap zu ten ter s/o d/o a/l a/p "
    "Ó ó 't ’t".split()  # Irish "Ó Briain" (its capital alone is no title-case word; "Ní", "Mac" are), Dutch "van 't Hof"
)
_PARTICLE = "|".join(sorted((re.escape(p) for p in _PARTICLES), key=len, reverse=True))
# The hint scans' particles: "Ó" is a capital to them anyway, and the shaped copy has no "ó" to match.
_HINT_PARTICLES = sorted((p for p in _PARTICLES if p.isascii()), key=len, reverse=True)
# Words of a name stand one or two blanks apart; forms put three or more between fields ("Dmitri V.   Vehicle").
_GAP = rf"[ \t\u00a0]{{1,2}}+(?![ \t\u00a0])(?:(?:{_PARTICLE})[ \t\u00a0]++){{0,2}}"
# Particles that open a name after a title or label ("Ms. de la Cruz").
_LEAD_PARTICLES = re.compile(rf"(?:(?:{_PARTICLE})[ \t]++){{1,3}}(?=[{_UP}])")


def _run(word: str, most: int) -> LazyPattern:
    return LazyPattern(rf"{word}(?:{_GAP}{word}){{0,{most - 1}}}(?![\w@])")


# A name in a URL's query string, its spaces written "+" or "%20" ("?name=Jane+Doe"): two to five words.
_QUERY_GAP = r"(?:\+|%20)"
_QUERY_TITLE = LazyPattern(rf"{_TITLE}(?:{_QUERY_GAP}{_TITLE}){{1,4}}(?![\w@%+])")
_QUERY_LOWER = LazyPattern(rf"{_LOWER}(?:{_QUERY_GAP}{_LOWER}){{1,4}}(?![\w@%+])")


# The one scan over the whole text: a capitalised word, a space (or a comma: "Dear, Jane") and a capital. It finds
# both "Jane Smith" and the honorific and salutation cues ("Dr. Jane", "Dear Jane", "Frau Müller").
_HINT = re.compile(rf"[{_UP}][a-zß-öø-ÿā-ž.]++(,?)[ \t]++(?:[{_UP}]|(?:{'|'.join(map(re.escape, _HINT_PARTICLES))})[ \t])")
# The same scan over a Latin-1 copy of the text with every capital mapped to "U" and every lower-case letter outside
# ASCII to "x" (``_SHAPES``): the pattern then starts on a literal, which sre finds with a tight loop instead of
# testing a character class at every position (most of the names recognizer's cost in prose). Both patterns match
# at exactly the same places: each class of ``_HINT`` maps onto one of ``_HINT_SHAPED`` and nothing else does.
# Its particles are grouped by first letter ("d(?:ella|el|e|...)[ \t]"): sre tries an alternation's branches one by
# one, and after most capitalised words in prose the next word is tried against each particle. At most one particle
# can stand before the blank, so the grouping finds the same one. The groups stand in one flat alternation with the
# capital, each led by a literal, which sre rejects without entering the branch; the comma is possessive (a blank
# can never match it), which spares sre a backtracking point at every capital.
_PARTICLE_BY_LETTER: dict[str, list[str]] = {}
for _particle in _HINT_PARTICLES:
    _PARTICLE_BY_LETTER.setdefault(_particle[0], []).append(re.escape(_particle[1:]))
_HINT_SHAPED = re.compile(
    rb"U[a-z.]++(,?+)[ \t]++(?:U|"
    + "|".join(
        rf"{re.escape(first)}(?:{'|'.join(rests)})[ \t]" for first, rests in sorted(_PARTICLE_BY_LETTER.items())
    ).encode("ascii")
    + rb")"
)
_SHAPES = bytes(
    ord("U") if 0x41 <= b <= 0x5A or 0xC0 <= b <= 0xD6 or 0xD8 <= b <= 0xDE
    else ord("x") if 0xDF <= b <= 0xF6 or 0xF8 <= b <= 0xFF
    else b
    for b in range(256)
)
# A run of up to five capitalised words (also the lexicon pass's candidate once it has two or more words).
_VALUE_TITLE = _run(_TITLE, 5)
# In capitals a middle initial may stand without its dot ("ROBERT J HALVORSEN"), but not last (``_CAPS_LAST_INITIAL``).
_VALUE_CAPS = _run(rf"(?:{_CAPS}|[{_UP}]\.?(?=[ \t\u00a0]++(?:[{_UP}]\.?[ \t\u00a0]++)?[{_UP}]{{2}}))", 5)  # "K. S. RAO"
_VALUE_LOWER = _run(_LOWER, 3)
_WORDS = re.compile(r"[\w'’]+")

# Honorifics and salutations as written, capitalised: the scan only starts on upper-case letters.
_HONORIFIC = (
    r"Mr|Mrs|Ms|Mx|Miss|Mister|Dr|Prof|Professor|Sir|Dame|Lady|Lord|Rev|Herr|Frau|Shri|Shrimati|Smt|Sri|Kumari|"
    r"Mdm|Madam|Encik|Cik|Puan|Tuan|Haji|Hajjah|Dato|Datuk|Capt|Col|Gen|Lt|Sgt|Insp|Judge|Hon|MR|MRS|MS|DR|PROF|"
    r"Herrn|Mme|Mlle|Madame|Mademoiselle|Monsieur|"
    # Italian, Spanish, Dutch, Austrian and Indonesian forms ("Sig.ra Giulia Moretti", "Dott.ssa Valentina Greco",
    # "Sra. Ibarra", "Dhr. Jansen", "Mag. Elisabeth Stöger", "Ibu Dewi Lestari"); not "Sr" ("Sr. Software Engineer") or
    # "Pak" ("pak choi").
    r"Sig|Sig\.ra|Sig\.na|Sigra|Dott|Dott\.ssa|Dr\.ssa|Prof\.ssa|Avv|Sra|Srta|Dña|Dhr|Mevr|Mag|Dokter|Ibu|Bapak|"
    # Mexican "Lic." and "Dra.", Italian "Ing." and "Rag.", Dutch "Mevrouw", Polish "Pani"/"Panem", Indian "Sh."
    # and "Kum.", "Fr." (a priest; German "Frau")
    r"Lic|Licda|Dra|Ing|Rag|Arq|Mevrouw|Meneer|Mw|Pani|Panem|Panią|Pana|Sh|Kum|Fr"
)
_SALUTATIONS = frozenset(("Dear", "DEAR", "Hi", "Hello", "Hey", "Hiya", "Greetings", "Liebe", "Lieber", "Liebes", "Hallo", "Namaste",
                          "Bonjour", "Salut", "Servus", "Moin", "Estimada", "Estimado", "Gentile", "Geachte", "Hola", "Querida",
                          "Querido", "Chère", "Cher"))
_LOWER_SALUTATIONS = ("dear ", "hi ", "hello ", "hey ")
# Titles written in lower case inside a sentence, as Dutch, Italian and Spanish do ("t.a.v. dr. A. Oosterhuis", "il
# sig. Rossi", "la dra. Olmedo"), and words that name a family or a birth name ("fam. Van den Broek", "née
# Costello", "geb. Krause"): keyed by the word the text's word set must hold, each before a capitalised name.
# Capitalised, the scan over capitalised words reads them ("Dr. Oosterhuis", "Familie Al-Masri" as a run).
_LOWER_TITLES = {
    "mevr": ("mevr. ",), "dhr": ("dhr. ",), "mw": ("mw. ",), "dr": ("dr. ",), "sig": ("sig. ", "sig.ra ", "sig.na "),
    "dott": ("dott. ", "dott.ssa "), "sra": ("sra. ",), "dra": ("dra. ",), "lic": ("lic. ",), "fam": ("fam. ",),
    "familie": ("familie ",), "famille": ("famille ",), "geb": ("geb. ",), "nee": ("nee ",), "n": ("née ",),
}
_LOWER_TITLE_WORDS = frozenset(_LOWER_TITLES)  # a dict's keys() & a set walks the whole set: 100k instructions
# Labels without a colon: a lower-case word before a name in capitals, as payment and KYC notes write it ("card holder
# name PRAKASH MENON", "cardholder DANIEL HUBER": True, capitals only); and the abbreviations of "in the name of",
# Indonesian "a.n." and Dutch "t.n.v.", before a name in any case.
_BARE_LABELS = {"name ": True, "holder ": True, "cardholder ": True, "a.n. ": False, "t.n.v. ": False}
# Further titles after the first cue: "Dear Dr. Jane", "Sehr geehrter Herr Prof. Dr. med. Hans".
_MORE_TITLES = LazyPattern(
    rf"(?:(?:{_HONORIFIC}|Dr\.-Ing|Dipl\.-Ing|med|Mag|Dipl|Kollege|Kollegin|Late|SMT|SHRI|MDM|MISS|MME|MLLE)\.?[ \t]+)+")
_HONORIFIC_WORDS = frozenset(word.replace("\\", "") for word in _HONORIFIC.split("|"))
# An honorific or a salutation as a later word of a capitalised run (not "Gen", "Lord", "Judge": "Next Gen Firewall").
_TITLED_WORDS = frozenset(
    "Mr Mrs Ms Mx Miss Dr Prof Herr Herrn Frau Mme Mlle Madame Monsieur Shri Smt Sri Mdm MR MRS MS DR Sig Sra Srta Dhr Mevr "
    "Dott Ibu Lic Dra Ing Mevrouw Pani Panem".split()) | _SALUTATIONS
# A capitalised word after a blank, ended by a dot or not and then a blank or the run's end: each is looked up in
# ``_TITLED_WORDS`` (one alternation of forty words cost every blank of every run forty tests).
_TITLED = LazyPattern(rf"[ \t]([{_UP}][^\W\d_]{{1,11}})\b\.?(?=[ \t]|\Z)")
_INITIALS = re.compile(rf"(?:[{_UP}]\.)+")
_TITLE_WORD = re.compile(r"[^\W\d_]{1,12}")
#: Plural person labels, whose value is a list of names ("Attendees: Priya, Tom Hale and Ana"): ``NameRecognizer._list``.
_LIST_LABELS = frozenset("""attendees participants invitees guests members students pupils volunteers speakers panelists
    panellists present absent apologies kids children twins siblings travellers travelers passengers dependents authors
    witnesses beneficiaries heirs tenants owners drivers occupants residents teilnehmer teilnehmende anwesend abwesend
    gäste kinder geschwister enfants invités présents absents participants kinderen deelnemers aanwezig afwezig
    bambini figli partecipanti presenti hijos niños asistentes participantes invitados""".split()) | frozenset((
    "team members", "named drivers", "additional drivers", "family members", "household members"))
#: Words before a colon that label a person's name; checked against the last one to three words before it.
_LABELS = frozenset((
    "name", "full name", "first name", "last name", "surname", "given name", "patient", "patient name",
    "employee", "employee name", "customer", "customer name", "client", "client name", "contact", "contact name",
    "contact person", "applicant", "applicant name", "candidate", "candidate name", "member", "member name",
    "account holder", "account name", "cardholder", "cardholder name", "card holder", "name on card", "beneficiary",
    "beneficiary name", "insured", "policyholder", "policy holder", "guardian", "nominee", "next of kin",
    "emergency contact", "spouse", "father's name", "mother's name", "father", "mother", "attn", "attention",
    "signed by", "signed", "signature", "prepared by", "submitted by", "requested by", "reported by", "approved by",
    "assigned to", "referred by", "physician", "doctor", "provider", "prescriber", "nurse", "witness", "tenant",
    "landlord", "owner", "recipient", "sender", "passenger", "guest", "student", "parent", "vorname", "nachname",
    "familienname", "kunde", "kundin", "patientin", "ansprechpartner", "ansprechpartnerin", "mitarbeiter",
    "mitarbeiterin", "arbeitnehmer", "arbeitnehmerin", "antragsteller", "antragstellerin", "versicherter",
    "versicherte", "kontoinhaber", "kontoinhaberin", "empfänger", "empfängerin", "geburtsname", "nama", "naam",
    "author", "maintainer", "reviewer", "assignee", "reporter", "created by", "written by", "interviewer",
    "family name", "middle name", "maiden name", "attending", "attending physician", "ordering", "ordering physician",
    "referring physician", "pt", "driver", "rider", "agent", "caller", "plaintiff", "defendant", "traveller",
    "traveler", "dependent", "son", "daughter", "wife", "husband", "child", "seller", "buyer",
    "transferor", "transferee", "borrower", "co-borrower", "lessor", "lessee", "guarantor", "nom", "prénom", "titulaire",
    "vermieter", "vermieterin", "mieter", "mieterin", "käufer", "käuferin", "verkäufer", "verkäuferin", "absender",
    "hausarzt", "hausärztin", "elève", "élève", "nom de l'élève", "nom de famille", "holder", "renter", "hirer",
    "cardmember", "card member", "besitzer", "besitzerin", "halter", "halterin", "fahrer", "fahrerin", "eigenaar",
    "huurder", "bestuurder", "propriétaire", "locataire", "conducteur", "conductrice", "propietario", "propietaria",
    "inquilino", "inquilina", "conductor", "proprietario", "proprietaria", "conducente", "sökande", "medsökande",
    "hyresgäst", "förare", "wnioskodawca", "najemca", "kierowca", "właściciel", "paziente", "paciente", "pacjent",
    "pacjentka", "patiënt", "nombre", "nome", "cognome", "apellido", "apellidos", "imię", "nazwisko", "voornaam",
    "achternaam",
    # people named by their role in a record: who sent money, who teaches or treats, who is on duty, whom to call
    "remitter", "payer", "payee", "trainer", "coach", "instructor", "teacher", "class teacher", "tutor", "form tutor",
    "supervisor", "manager", "line manager", "officer", "officer on duty", "on duty", "approver", "requester", "requestor",
    "advisor", "adviser", "consultant", "therapist", "surgeon", "dentist", "pharmacist", "midwife", "caseworker",
    "case worker", "social worker", "landlady", "principal", "headteacher", "head teacher", "referee", "nok",
    "personne à prévenir", "handtekening", "verhuurder", "verhuurster",
    # family trees and records of a family ("Great-grandfather: Periyasamy Thevar")
    "grandfather", "grandmother", "grandad", "granddad", "grandma", "grandpa", "grandson", "granddaughter", "uncle",
    "aunt", "auntie", "cousin", "nephew", "niece", "stepson", "stepdaughter", "stepmother", "stepfather", "brother",
    "sister", "partner", "fiancé", "fiancée",
    # police, court and insurance records
    "complainant", "victim", "suspect", "accused", "offender", "informant", "deceased", "decedent", "claimant",
    "respondent", "appellant", "petitioner", "signed as", "pengadu", "pemandu",
)) | _LIST_LABELS
# Tables (``columns``): what may follow a header cell's label.
_CELL_ENDS = frozenset((",", "\t", "|", ";", "\r", "\n", ""))
# A comma or semicolon with no space after it: CSV writes "a,b", prose writes "a, b". Literal-led (sre searches the
# literal at C speed; a class first would be some seven times slower over prose).
_TIGHT_COMMA = re.compile(r",(?=[^ \r\n])")
_TIGHT_SEMICOLON = re.compile(r";(?=[^ \r\n])")


def _tabular(text: str) -> bool:
    """The text may hold a table: a tab, a pipe, or a comma or semicolon not followed by a space. Most texts are
    prose and skip the header search (4 us for this check on 4 KB of prose)."""
    return "\t" in text or "|" in text or _TIGHT_COMMA.search(text) is not None or _TIGHT_SEMICOLON.search(text) is not None


def _titled(run: str) -> re.Match[str] | None:
    """The first honorific or salutation that is a later word of a capitalised run ("Hausarzt Dr. Schäfer")."""
    for word in _TITLED.finditer(run):
        if word.group(1) in _TITLED_WORDS:
            return word
    return None


def _handle_of(name: str, handle: str) -> bool:
    """The handle spells a part of the name (three letters or more, diacritics dropped): "akowalski" of Anja
    Kowalski, not "(optional)" after anyone."""
    spelled = _fold(handle.lower())
    return any(len(part) > 2 and _fold(part) in spelled for part in _WORDS.findall(name.lower()))


def _fold(word: str) -> str:
    """The word without its diacritics, as the census lexicons spell names ("théo" -> "theo", "łukasz" -> "lukasz")."""
    return unicodedata.normalize("NFKD", word.translate(_UNFOLDED)).encode("ascii", "ignore").decode("ascii")


# Letters NFKD does not take apart into an ASCII letter and a mark.
_UNFOLDED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})


def _heads_line(text: str, dash: int) -> bool:
    """The words before a dash at ``dash`` are all its line holds (after a bullet): a label, not a clause."""
    head = text[text.rfind("\n", 0, dash) + 1:dash].strip(_LINE_BULLETS)
    return 0 < head.count(" ") + 1 <= _DASH_LABEL_WORDS


def _column_kind(cell: str) -> str:
    """``_label_class`` of a header cell ("first_name", " Last Name ", '"patientName"'), read as the words it joins;
    a column of its own names a part ("first", "last", "forename": words too loose for a label in prose)."""
    label = " ".join(_KEY_BREAK.sub(" ", cell.strip(" \t\r\"'*`")).lower().split())
    if label in _COLUMN_PARTS:
        return "part"
    kind = _label_class(label).replace("list", "lab")  # a column holds one person a row
    if not kind and label.endswith(" name"):
        # "Creditor name", "Caller Name": the name of a person the column's first words label ("Company name",
        # "File name" name things).
        role = label[:-5].rsplit(" ", 1)[-1]
        kind = "lab" if _label_class(role) or role in _PAYMENT_PARTIES else ""
    return kind


def _qualifies(word: str) -> bool:
    """A word before a one-word label that keeps it a person's: "full name", "child's name" (not "file name")."""
    return word in _NAME_QUALIFIERS or word.endswith(("'s", "’s")) and word[:-2] in _LABELS


def _label_class(label: str) -> str:
    """"part" for a label of one part of a name, "list" for a label of several people, "lab" for another person
    label, "" for anything else."""
    if label not in _LABELS:
        return ""
    return "part" if label in _PART_LABELS else "list" if label in _LIST_LABELS else "lab"


# The strings of a JSON array after its first: where each starts ('"Ada", "Ngozi"' -> "N"), up to the "]" at most
# ``_ARRAY_REACH`` characters on.
_ARRAY_NEXT = re.compile(r"[\"'][ \t]*,[ \t]*[\"'](?=[^\W\d_])")
_ARRAY_REACH = 200


def _array_end(text: str, pos: int) -> int:
    end = text.find("]", pos, pos + _ARRAY_REACH)
    return end if end >= 0 else pos


# Keys that name a part of a name only as data writes them (quoted, or an XML element): FHIR's HumanName. In prose
# "Given: the triangle" and "Family: Felidae" are no such labels.
_KEY_PARTS = {"family": "part", "given": "part"}
# Type names of schemas and code, the lexicons' unknown words a "lastName:" key is most often followed by there.
_TYPE_WORDS = frozenset("""string str int integer bigint boolean bool float double decimal number numeric text varchar char
    date datetime timestamp time object array list map dict record tuple set enum optional required nullable null none
    undefined unknown any void json uuid id""".split())
#: Labels of one part of a name: after them a lone word is that part ("Last name: Brown", "surname: Okonkwo"), even
#: when the lexicons do not list it as a given name or it is also a common word.
_PART_LABELS = frozenset(("first name", "last name", "surname", "given name", "family name", "middle name", "maiden name",
                          "vorname", "nachname", "familienname", "nom", "prénom", "nom de famille", "nome", "cognome",
                          "apellido", "apellidos", "imię", "nazwisko", "voornaam", "achternaam", "geburtsname"))
_HEADERS = frozenset(("from", "to", "cc", "bcc", "reply-to"))
_LABEL_LAST_WORDS = frozenset(label.rsplit(" ", 1)[-1] for label in _LABELS) | _HEADERS
#: A table's header cells that name a part of a name only as a column ("first","last" of a CRM export).
_COLUMN_PARTS = frozenset("first last given family forename forenames firstname lastname fname lname".split())
_COLUMN_WORDS = _LABEL_LAST_WORDS | _COLUMN_PARTS
#: Parties of a payment whose name a column may hold ("Creditor name", "Payee Name").
_PAYMENT_PARTIES = frozenset("creditor debtor payee payer remitter".split())
_LABEL_ENDINGS = tuple(sorted(_LABEL_LAST_WORDS))  # for str.endswith: a key ending in one ("firstname")
# A colon right after a letter and before a word: "Name: Jane", never "10:30" or "00:1A:2B"; or after a key as data
# writes it, quoted or not, with ":" or "=" ('"firstName": "Jane"', "last_name=Doe"), the value maybe quoted, or an
# XML element's name (``_label_kind`` reads the key). One literal-led pattern each: sre searches a literal first
# character at C speed, and a class or an alternation first is ten times slower over prose.
_LABEL_COLON = re.compile(r":(?<=[^\W\d_]:|[\"']:)[ \t]*(?:\[[ \t]*)?[\"'¡¿]?(?=[^\W\d_])")  # '"given": ["Ada"]', "Alba: ¡Hola!" too
_LABEL_EQUALS = re.compile(r"=(?<=[^\W\d_]=|[\"']=)[ \t]*[\"']?(?=[^\W\d_])")
# French typography's space before the colon ("Nom : Tremblay"), and a numbered label ("Passenger 2: Keyonna").
_LABEL_SPACED = re.compile(r" :(?:(?<=[^\W\d_] :)|(?<=  :))[ \t]*[\"']?(?=[^\W\d_])")
# A label that opens its line, then a dash, as chats and notes write fields ("tenant - Mohd. Imran Shaikh", "Name -
# ramesh chandra pandey"); in running text " - " joins clauses ("Rohan Deshpande Photography - Pune").
_LABEL_DASH = re.compile(r" [-–](?<=[^\W\d_] [-–]) (?=[^\W\d_])")
_LINE_BULLETS = " \t-–•*>"
_DASH_LABEL_WORDS = 3
# Words that label a person only when numbered, as police and accident reports do ("SUBJECT 1:"; "Subject:" heads mail).
_NUMBERED_LABELS = frozenset(("subject", "person", "party", "individual"))
_LABEL_NUMBERED = re.compile(r":(?<=[^\W\d_] \d:)[ \t]*(?=[^\W\d_])")
# An XML element whose name is the key: "<lastName>Okafor</lastName>".
_LABEL_TAG = re.compile(r">(?<=[^\W\d_]>)(?=[^\W\d_])")
_START = operator.methodcaller("start")
# A cued name's closing initial ("Rosa E.") and what ends a form's field after it: a line break, the text's end, two
# blanks, a comma or a bracket.
_LAST_INITIAL = re.compile(rf"(?<=[ \t])[{_UP}]\.?\Z")
_FIELD_END = re.compile(r"[ \t]{2}|[ \t]*(?:\r?\n|\Z|[,;)(|])")
# A value in capitals stops before its closing initial (``_VALUE_CAPS``): that initial right after it, before the
# field ends ("Patient: MORALES, CYNTHIA A", "HOWARD T.").
_CAPS_LAST_INITIAL = re.compile(rf"(?:[ \t][{_UP}]\.?){{1,2}}(?={_FIELD_END.pattern})")  # "PADMAVATHI H. R."
# A key at the end of what precedes a colon: letters, digits, "_" and "-", starting with a letter.
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# Where a key's words meet: a lower-case letter before a capital ("firstName"), "_" or "-" ("last_name").
_KEY_BREAK = re.compile(r"(?<=[a-z])(?=[A-Z])|[_-]")
# An e-mail display name written surname first, as directories do: '"Okafor, Ada" <ada@example.com>'.
_DISPLAY_SURNAME_FIRST = LazyPattern(rf'"(?P<v>[{_UP}][^",<>\n]{{0,40}},[ \t]*[{_UP}][^",<>\n]{{0,40}})"[ \t]*<')
# Two to four capitalised words ending right before an address, on the line above it or before a comma.
_ADDRESSEE = LazyPattern(
    rf"(?:^|(?<=\n)|(?<=[ \t(:]))(?P<name>[{_UP}][^\s,;:]*(?:[ \t]+[{_UP}][^\s,;:]*){{1,3}})"
    r"(?P<sep>[ \t]*,[ \t]*(?:\r?\n[ \t]*)?|[ \t]*\r?\n[ \t]*)\Z"
)
_ADDRESSEE_REACH = 80
# Self-introductions, found with str.find in the lower-cased text. The strong ones carry a lower-case name ("my name
# is jane"); the weak ones need capitals ("this is Jane", not "this is fine").
_INTROS = {
    "my name is ": True, "my name's ": True, "call me ": True, "mein name ist ": True, "ich heiße ": True, "goes by ": True,
    "i am ": False, "i'm ": False, "i’m ": False, "this is ": False, "named ": False, "called ": False, "ich bin ": False,
    "thank you ": False, "thanks ": False, "i, ": False,
}
_SIGN_OFFS = frozenset((
    "regards", "best regards", "kind regards", "warm regards", "warmest regards", "best wishes", "best", "thanks",
    "thank you", "many thanks", "cheers", "sincerely", "yours sincerely", "yours faithfully", "yours truly",
    "respectfully", "signed", "mit freundlichen grüßen", "viele grüße", "beste grüße", "liebe grüße",
    "freundliche grüße", "gruß", "grüße",
))
# How a sign-off line ends: a comma or "!" ("Best,") or, without one, one of these words ("Mit freundlichen Grüßen").
_SIGN_OFF_ENDS = (",\n", "!\n", ",\r\n", "grüßen\n", "grüße\n", "regards\n", "sincerely\n", "faithfully\n", "truly\n")
# The leading ASCII word of each sign-off end that is one whole ("regards" of "regards\n"), looked up in the index's
# word set (``TextIndex.words``) before the text is searched for the end.
_FIRST_WORD = {
    phrase: word.group()
    for phrase in _SIGN_OFF_ENDS
    if (word := re.match(r"[a-z]+(?![a-zß-öø-ÿ])", phrase)) is not None
}
# Every ASCII word of an introduction or salutation as ``TextIndex.words`` splits them ("hei" and "e" of "heiße"):
# each stands whole in the phrase, so where a phrase counts all of them are words of the text; a phrase whose words
# the text lacks is not searched for ("my name is" needs "my", "name" and "is").
_PHRASE_WORDS = {phrase: frozenset(re.findall(r"[a-z]+", phrase)) for phrase in (*_INTROS, *_LOWER_SALUTATIONS)}
# A rarer character some sign-off ends need: ``in`` finds one character at memchr speed, where a search for the whole
# end pays per character, so an end whose character the text lacks costs next to nothing.
_END_CHAR = {"!\n": "!", ",\r\n": "\r", "grüßen\n": "ß", "grüße\n": "ß"}
# Honorifics written in capitals before a name in capitals (looked up lower-case in the text's word set).
_CAPS_TITLES = frozenset(("mr", "mrs", "ms", "miss", "mme", "mlle", "dr", "prof", "shri", "smt", "mdm"))
# Relations that records write before a parent's or husband's name.
_RELATIONS = ("s/o ", "d/o ", "w/o ", "a/l ", "a/p ")
# One to three capitalised words (or words in capitals) right before a point: a name that ends there.
_NAME_BEFORE = re.compile(rf"(?<![\w'’.-])(?:(?:{_TITLE}|{_CAPS})[ \t]+){{1,3}}\Z")
_NAME_BEFORE_REACH = 60
# Two to four words in capitals alone on a line: at the text's start, or opening a paragraph (``_caps_heads``).
_CAPS_HEAD = re.compile(rf"(?P<v>{_CAPS}(?:[ \t]{_CAPS}){{1,3}})[ \t]*\r?\n")
_CAPS_PARAGRAPH = re.compile(rf"\n\n{_CAPS_HEAD.pattern}")
# A log's user field and its quoted value (``_quoted_users``).
_USER_KEYS = ('user="', "user='")
_QUOTED_USER = re.compile(r"""(?P<v>[^"'\n=]{3,60})["']""")
# A nickname in quotes inside a name: its opening quote after a blank, the word, then the closing quote and a blank.
_NICK_CLOSES = ('" ', "” ")
_NICK_OPEN = re.compile(rf"[ \t][\"“](?P<v>[{_UP}]{_LO}{{1,15}})\Z")
_NICK_REACH = 18
# People named by how they relate to the writer: "my neighbor Frank", "husband Ramon", "roommate dani", "the driver
# Dmitri", "Mitbewohner Florian". A capitalised word after one is a name when it is a given name or unlisted; a
# lower-case one only when it is a given name and no common word ("husband chris", not "husband said").
#: Relation words whose plural lists people ("kids Leo and Mia", "my friends Tom, Ann and Raj"): ``_list``.
_KIN_LISTS = frozenset("""kids twins sons daughters brothers sisters neighbors neighbours roommates flatmates colleagues
    coworkers friends cousins grandchildren""".split())
_KIN = _KIN_LISTS | frozenset("""husband wife son sons daughter daughters brother brothers sister sisters mother father mom mum dad
    uncle aunt auntie cousin nephew niece grandson granddaughter grandmother grandfather grandma grandpa nana stepson
    stepdaughter stepmother stepfather neighbor neighbour neighbors neighbours roommate roommates flatmate housemate
    boyfriend girlfriend fiance fiancee fiancé fiancée partner colleague coworker co-worker boss landlord landlady
    caretaker driver nanny babysitter sitter friend buddy tenant bhaiya didi bhai mitbewohner mitbewohnerin nachbar
    nachbarin kollege kollegin sohn tochter bruder schwester vermieter vermieterin hausmeister kids kid
    baby twins grandmother grandson mama papa hija hijo hermana hermano esposa esposo marido abuela abuelo fils fille
    mari femme maman zoon dochter broer zus moeder vader oma opa figlio figlia moglie marito madre padre fratello
    sorella nonna nonno mamma""".split())
# What ends a field in the token before a label ("x=417", "a=1&name="); a quoted value and its comma do too.
_FIELD_MARKS = frozenset("=;&|{")
#: Words that may stand before a one-word label ("Full name:", "Your name:", "Primary insured:"), unlike "File name:".
_NAME_QUALIFIERS = frozenset("""your my his her their the full first last given middle legal maiden preferred user primary
    secondary joint additional second main lead named authorised authorized registered previous former current great
    nama""".split())
#: Countries where family names come first (Tan Wei Ming); there that order scores like given-name-first.
_FAMILY_FIRST = frozenset({"SG", "MY", "CN", "HK", "TW", "KR", "VN"})

# A person's age right after their name (one the scan reported): "kids Leo (5)", "Jan Smit (67 jaar)", "Théo (3 ans)",
# "Tran, Minh (8 anni)", "June Whitfield (57 F)", "Danielle Ruiz-Abernethy, 41, cell ...", "Olivia Brandt, 19.".
_AGE_UNITS = r"j\.|jahre|ans|jaar|jr\.?|anni|años|yrs?\.?|years|y\.?o\.?"  # "9 J.", "3 ans", "67 jaar", "62 y.o."
_AGE_UNIT = rf"(?:[ \t]*(?:{_AGE_UNITS}|y))?"
_AGE_AFTER = re.compile(
    rf"\.?[ \t]*\((?P<p>\d{{1,3}}){_AGE_UNIT}(?:[ \t,/]*[mfwd])?\)"
    rf"|,[ \t]*(?P<c>\d{{1,3}})(?=[ \t]*(?:[,;)]|\.(?!\d)|\Z)|[ \t]+(?:y\.?o\.?|yrs?|years?)\b|[ \t]+[MF]\b)",
    re.IGNORECASE,
)
_OLDEST = 120
# A person's login beside their name: "Anja Kowalski (akowalski)", "mdaniels (Maria Daniels)" (``_handle_of``).
_HANDLE_AFTER = re.compile(r"[ \t]*\((?P<v>[a-z][a-z0-9_.-]{2,31})\)")
_HANDLE_BEFORE = re.compile(r"(?<![\w@.-])(?P<v>[a-z][a-z0-9_.-]{2,31})[ \t]*\(\Z")
_HANDLE_REACH = 40
# Two to four Chinese characters in brackets after a name, or before one that stands in brackets.
_HANZI_AFTER = re.compile(r"[ \t]*[(（](?P<v>[\u3400-\u9fff]{2,4})[)）]")
_HANZI_BEFORE = re.compile(r"(?<![\u3400-\u9fff])(?P<v>[\u3400-\u9fff]{2,4})[ \t]*[(（]\Z")
_HANZI_REACH = 8
_HANZI_NAME = re.compile(r"[\u3400-\u9fff]{2,4}(?![\u3400-\u9fff])")
_AGE_IN_PARENS = re.compile(
    rf"\((?P<v>\d{{1,3}})(?P<unit>[ \t]*(?:{_AGE_UNITS}|y))?(?:[ \t,/]*[mfwd])?\)",
    re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’-]*)[ \t]*\Z")
_DATE_BEFORE = re.compile(  # "09/09/1947", "1989-08-17", "22-Nov-1951", "Feb 14, 1948"
    r"(?:(?P<year>\d{4})[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}[ ./-][A-Za-z]{3,9}\.?[ ./-]\d{4}"
    r"|[A-Za-z]{3,9}\.?[ \t]\d{1,2},?[ \t]\d{4})[ \t]*\Z")
_RECORD_AGE = 5
_DIGITS = re.compile(r"\d+")

_FLAG_CACHE = 50_000
# Token flags.
GIVEN, SURNAME, COMMON, PLACE, ORG, INITIAL = 1, 2, 4, 8, 16, 32
_NAMEISH = GIVEN | SURNAME


class _Lexicons(NamedTuple):
    given: frozenset[str]
    surnames: frozenset[str]
    common: frozenset[str]
    places: frozenset[str]
    org: frozenset[str]


@cache
def _lone_given() -> frozenset[str]:
    """Given names that are nothing else the lexicons know (no common word, place or organisation word): the ones
    that may stand alone as a name (``NameRecognizer._lone``)."""
    lexicons = _lexicons()
    return frozenset(w for w in lexicons.given - lexicons.common - lexicons.places - lexicons.org - _PARTICLES if len(w) > 2 and w.isalpha())


@cache
def _place_phrases() -> frozenset[str]:
    """Places and organisations of two or three words whose every word may also be a name ("Hong Kong", "San Jose",
    "Morgan Stanley", "Eli Lilly"): a capitalised run is no person where one of them stands in it."""
    lexicons = _lexicons()
    return frozenset(entry for entry in lexicons.places | lexicons.org if " " in entry)


@cache
def _lexicons() -> _Lexicons:
    """Loaded on the first look-up, once per process: importing or building a recognizer reads no file."""
    return _Lexicons(
        load("given_census1990.txt", "given_curated.txt"),
        load("surnames_census1990.txt", "surnames_curated.txt"),
        load("common_words.txt"),
        load("places.txt"),
        load("org_words.txt"),
    )


class NameRecognizer:
    name = "names"
    # An age or a login only where it stands beside a name (``_AGE_AFTER``, ``_HANDLE_AFTER``).
    entity_types = frozenset({"NAME", "AGE", "USERNAME"})

    def __init__(self, country: str | None = None) -> None:
        self.country = (country or "").upper()
        self._family_first_score = 0.8 if self.country in _FAMILY_FIRST else 0.7
        # word -> flags; plain dict operations are atomic under the GIL, so threads may share it.
        self._flags: dict[str, int] = {}
        self._echo_words: dict[str, bool] = {}

    def flags(self, word: str) -> int:
        """What the lexicons say about one word (any case); 0 means unknown. Memoised: names and labels recur."""
        cached = self._flags.get(word)
        if cached is None:
            if len(self._flags) > _FLAG_CACHE:
                self._flags.clear()
            cached = self._flags[word] = self._lookup(word)
        return cached

    def _lookup(self, word: str) -> int:
        if word[-1:] == "." and len(word) <= 8 and _INITIALS.fullmatch(word):
            return INITIAL  # "J.", "H.J."
        key = word.lower()
        if "'" in key or "’" in key:
            key = key.replace("'", "").replace("’", "")
        key = key.rstrip(".")
        lexicons = _lexicons()
        # An organisation or street word ends a capitalised run ("Victoria Station"); after a cue, a surname that
        # is also one still counts ("this is Carly Lane").
        flags = ORG if key in lexicons.org else 0
        parts = [p for p in key.split("-") if len(p) > 1] if "-" in key else ()  # "Hans-H." is Hans
        if key in lexicons.given or (parts and all(p in lexicons.given for p in parts)):
            flags |= GIVEN
        if key in lexicons.surnames or (parts and any(p in lexicons.surnames for p in parts)):
            flags |= SURNAME
        if key in lexicons.common:
            flags |= COMMON
        if key in lexicons.places:
            flags |= PLACE
        if not flags and not key.isascii() and (folded := _fold(key)) != key:
            return self._lookup(folded)  # the lexicons are ASCII: "Théo" is Theo, "Łukasz" Lukasz
        return flags

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        aged: set[int] = set()
        names: list[Finding] = []
        # Where each capitalised given name stands, as the lone pass searched it: the echo pass need not search again.
        searched: dict[str, list[int]] = {}
        hanzi = not text.isascii()
        for name in self._names(text, cues, searched):
            names.append(name)
            yield name
            if hanzi:  # the name in Chinese characters beside its romanisation: "TAN WEI MING (陈伟明)", "何永強 (Ho ...)"
                beside = _HANZI_AFTER.match(text, name.end) or _HANZI_BEFORE.search(text, max(0, name.start - _HANZI_REACH), name.start)
                if beside is not None:
                    yield Finding("NAME", beside.start("v"), beside.end("v"), 0.8, False, self.name)
            handle = _HANDLE_AFTER.match(text, name.end)
            if handle is None and text[name.start - 1:name.start] == "(":  # "mdaniels (Maria Daniels)"
                handle = _HANDLE_BEFORE.search(text, max(0, name.start - _HANDLE_REACH), name.start)
            if handle is not None and _handle_of(text[name.start:name.end], handle.group("v")):
                yield Finding("USERNAME", handle.start("v"), handle.end("v"), 0.8, False, self.name)
            age = _AGE_AFTER.match(text, name.end)
            if age is not None and int(age.group(age.lastgroup)) <= _OLDEST:
                aged.add(age.start(age.lastgroup))
                yield Finding("AGE", age.start(age.lastgroup), age.end(age.lastgroup), 0.8, False, self.name)
        if names:
            yield from self._echoes(text, names, searched)
        if "(" in text:
            # An age with its unit after a name the scan did not report ("Lotte (9 J.)", "Théo (3 ans)") or after a
            # date of birth ("09/09/1947 (76 yrs)"): the word before must be a given name or surname, or a date's digit
            # ("Warranty (3 yrs)" is a duration).
            for age in _AGE_IN_PARENS.finditer(text):
                if age.start("v") not in aged and int(age.group("v")) <= _OLDEST and self._person_before(text, age):
                    yield Finding("AGE", age.start("v"), age.end("v"), 0.8, False, self.name)

    def _echoes(self, text: str, names: list[Finding], searched: dict[str, list[int]]) -> Iterator[Finding]:
        """A name found elsewhere in the text, again, whole or by one of its words ("Petteri Mäkinen" ... "Thanks
        Petteri", "meneer Bosman"): people are named in full once and by one part after. A word counts when the
        lexicons know it as nothing but a name, or not at all (no common word, place or organisation word: "Rose Tan"
        does not make every "rose" a name); a word of an ALL-CAPS name only when they know it as a name ("DEA", "ITIN"
        in a run the scan read too far, "Kaplan-Mwangi, DEA", are not). Where a capitalised word or "&" follows, the
        occurrence is part of a longer run the scan judged and left ("Abernathy Property Mgmt", "Lindqvist & Co.")."""
        spans = sorted((f.start, f.end) for f in names)
        wholes: dict[str, set[str]] = {}  # by first word: the names of several words, found again whole first
        words: set[str] = set()
        inside: dict[str, int] = {}  # how often each word stands inside the names found
        for finding in names:
            found = _ECHO_WORD.findall(text, finding.start, finding.end)
            for word in found:
                inside[word] = inside.get(word, 0) + 1
            if finding.score < _ECHO_SOURCE:
                continue
            caps = all(word.isupper() for word in found)
            if len(found) > 1 and text.startswith(found[0], finding.start):
                wholes.setdefault(found[0], set()).add(text[finding.start:finding.end])
            for word in found:
                if self._echoable(word) and (caps or not word.isupper()):
                    words.add(word)
                    if word.isupper():
                        words.add(word.capitalize())  # "TAN WEI MING" ... "Mr Tan"
        for word in sorted(words, key=lambda w: (w not in wholes, w)):  # whole names before their single words
            hits = searched.get(word)
            if hits is None:
                if text.count(word) <= inside.get(word, 0):
                    continue  # it stands nowhere but in the names found: the usual case, one C-level count
                hits = occurrences(text, word)
            elif len(hits) <= inside.get(word, 0):
                continue
            longest_first = sorted(wholes.get(word, ()), key=len, reverse=True)
            for at in hits:
                echo = next((whole for whole in longest_first if text.startswith(whole, at)), word)
                end = at + len(echo)
                if (at and (text[at - 1].isalnum() or text[at - 1] in _GLUED)) or (end < len(text) and (text[end].isalnum() or text[end] in _GLUED)):
                    continue
                i = bisect.bisect_right(spans, (at, len(text)))
                if (i and spans[i - 1][1] > at) or (i < len(spans) and spans[i][0] < end):
                    continue
                if echo is word and (_capital_follows(text, end) or text.startswith(" &", end) or word.isupper() and _heading(text, at)):
                    continue
                spans.insert(i, (at, end))
                yield Finding("NAME", at, end, 0.65, False, self.name)

    def _echoable(self, word: str) -> bool:
        """``_echoes``' test of one word of a name, memoised as ``flags`` is (the same names recur)."""
        known = self._echo_words.get(word)
        if known is None:
            if len(self._echo_words) > _FLAG_CACHE:
                self._echo_words.clear()
            flags = self.flags(word)
            known = self._echo_words[word] = (
                len(word) > 2 and word[0].isupper() and not flags & (COMMON | PLACE | ORG) and word.lower() not in _PARTICLES
                and word not in _HONORIFIC_WORDS and (not word.isupper() or bool(flags & _NAMEISH)))
        return known

    def _person_before(self, text: str, age: re.Match[str]) -> bool:
        """A date of birth before the parenthesis, or a person's name: with a unit ("9 J.", "3 ans") a given name or
        a surname, without one ("(4)") a given name that is nothing else ("Grace (3)", not "Smith (2)" of a tally)."""
        pos = age.start()
        if (born := _DATE_BEFORE.search(text, max(0, pos - 20), pos)) is not None:
            # The age the date gives, in a record written this year or up to five years ago ("22-Nov-1951 (73 y)"),
            # not a count after a recent date ("12 May 2024 (3)"); a two-digit year ("09/09/47") is taken as it stands.
            year = born.group("year") or _DIGITS.findall(born.group())[-1]
            return len(year) != 4 or 0 <= THIS_YEAR - int(year) - int(age.group("v")) <= _RECORD_AGE
        before = _WORD_BEFORE.search(text, max(0, pos - 40), pos)
        if before is None or not before.group(1)[0].isupper():
            return False
        flags = self.flags(before.group(1))
        return flags in (GIVEN, SURNAME, GIVEN | SURNAME) if age.group("unit") else flags & ~SURNAME == GIVEN

    def _names(self, text: str, cues: TextIndex | None, searched: dict[str, list[int]]) -> Iterator[Finding]:
        taken: list[tuple[int, int]] = []
        reported: list[tuple[int, int]] = []
        for finding in self._cued(text, cues):
            if not any(finding.start < e and s < finding.end for s, e in taken):
                taken.append((finding.start, finding.end))
                yield finding
        taken.sort()
        resume, next_taken = 0, 0
        for hint in _hints(text, cues.latin1 if cues is not None else latin1_bytes(text)):
            start = hint.start()
            while next_taken < len(taken) and taken[next_taken][1] <= start:
                next_taken += 1
            if next_taken < len(taken) and taken[next_taken][0] <= start:
                resume = taken[next_taken][1]  # inside a cued name: nothing more to learn here
            if start < resume:
                comma = text.find(",", resume, hint.end()) if hint.group(1) else -1
                if comma < 0:
                    continue  # inside a name already reported
                found = self._after_comma(text, comma)  # 'Wojciech "Wojtek" Lis, Dolores Fuentes'
            elif (word := text[start:hint.start(1)].rstrip(".")) in _HONORIFIC_WORDS or word in _SALUTATIONS:
                if start and (text[start - 1].isalnum() or text[start - 1] in "@./#_-") or hint.group(1) and word in _HONORIFIC_WORDS:
                    continue  # "SMr", or a list such as "Gt, Ge, Lt, Le"
                found = self._after_title(text, word, _skip_blanks(text, hint.end(1)))  # "Ms. de la Cruz" too
            elif hint.group(1):
                # "Paris, London": a comma splits a run, unless a surname stands before it and a given name after
                # ("Müller, Jürgen", as registers write names); else the words after it are read as any others
                found = self._surname_first(text, start, hint.end() - 1) or self._after_comma(text, text.index(",", start))
            else:
                found = self._run_at(text, start)
            for finding in found:
                resume = finding.end
                if not any(finding.start < e and s < finding.end for s, e in taken):
                    reported.append((finding.start, finding.end))
                    yield finding
        yield from self._lone(text, cues, taken + reported, searched)

    def _after_comma(self, text: str, comma: int) -> Iterable[Finding]:
        """The words after a comma: "Thanks, Jane Smith.", "Danke, Herr Petrović." (the hint at the word before the
        comma has passed their capital)."""
        start = _skip_blanks(text, comma + 1)
        title = _TITLE_WORD.match(text, start)
        if title is not None and title.group() in _TITLED_WORDS:
            return self._after_title(text, title.group(), _past_title(text, title.end()))
        return self._run_at(text, start)

    def _run_at(self, text: str, start: int) -> Iterable[Finding]:
        """The names of the capitalised run that takes in ``start``."""
        while start and (text[start - 1].isalpha() or text[start - 1] in "'’-" and start > 1 and text[start - 2].isalpha()):
            start -= 1  # "McDonald Smith", "Hans-Werner Kuhn": the hint starts at "Donald", "Werner";
            # a quote that opens a string ("VALUES ('Jane Doe'") is not part of the name
        while start > 1 and text[start - 1] == "." and text[start - 2].isupper() and (start == 2 or not text[start - 3].isalpha()):
            start -= 2  # "H.J. Brouwer": the hint starts at "J."
        if start and (text[start - 1] in "@./#_" or text[start - 1].isdigit()):
            return ()  # part of an e-mail, path, URL or identifier
        run = _VALUE_TITLE.match(text, start)
        inside = _titled(run.group()) if run else None
        if inside:
            return self._titled_run(text, run, inside)  # "Hausarzt Dr. Schäfer", "Thanks Mr O'Connor"
        return self._from_run(run.start(), run.group()) if run else ()

    def _lone(self, text: str, cues: TextIndex | None, taken: list[tuple[int, int]], searched: dict[str, list[int]]) -> Iterator[Finding]:
        """A given name standing alone inside a sentence ("ask Priya about it", "thanks, Oluwaseun"): a word the
        lexicons know only as a given name, capitalised, not opening a sentence or a line (unless a word that follows
        a person comes next, ``_SENTENCE_START_NAME``), not in a run of capitalised words, nor in a heading. Weaker
        evidence than a cue's (0.6). Looked up by the text's words (ASCII names)."""
        if cues is not None and cues.lower is not None:
            lowered, words = cues.lower, cues.words()
        else:  # no index, or an exhaustive one: the same words, computed here
            lowered = text.lower()
            if len(lowered) != len(text):
                return  # offsets would not carry over (an index has no lower-cased copy then either)
            words = word_set(lowered)
        for word in sorted(words & _lone_given()):  # sorted: the same order in every process
            # Searched capitalised: the lower-case word ("son" in "reason", "person") is far more frequent.
            capitalised = word.capitalize()
            for at in searched.setdefault(capitalised, occurrences(text, capitalised)):
                end = at + len(word)
                if at and (lowered[at - 1].isalnum() or text[at - 1] in _GLUED):
                    continue
                if end < len(text) and (lowered[end].isalnum() or text[end] in _GLUED) or any(s < end and at < e for s, e in taken):
                    continue
                if (self._opens(text, at) and not _SENTENCE_START_NAME.match(text, end)) or _capital_follows(text, end) or _heading(text, at):
                    continue
                yield Finding("NAME", at, end, 0.6, False, self.name)

    @staticmethod
    def _opens(text: str, at: int) -> bool:
        """The word at ``at`` opens a sentence, a line, a field or a bullet, or follows a capitalised word."""
        i = at - 1
        while i >= 0 and text[i] in " \t":
            i -= 1
        if i < 0 or text[i] in _OPENERS:
            return True
        if text[i].isalpha():
            while i >= 0 and text[i].isalpha():
                i -= 1
            return text[i + 1].isupper()
        return False

    def _after_title(self, text: str, word: str, pos: int) -> Iterator[Finding]:
        """The name after an honorific or salutation ``word`` whose next word starts at ``pos`` (more titles may
        stand between: "Dear Dr. Jane", "Sehr geehrter Herr Prof. Dr. med. Hans")."""
        titles = _MORE_TITLES.match(text, pos)
        kind = "hon" if titles or word in _HONORIFIC_WORDS else "sal"
        return self._value(text, titles.end() if titles else pos, kind, lower=False)

    def _titled_run(self, text: str, run: re.Match[str], inside: re.Match[str]) -> list[Finding]:
        """A capitalised run with an honorific or salutation inside (``inside``, ``_TITLED``'s match in the run),
        where German nouns and openings stand before it ("Hausarzt Dr. Schäfer", "Thanks Mr O'Connor"): the words
        before it as a run, the name after it as cued."""
        at = run.start() + inside.start(1)
        found = list(self._from_run(run.start(), text[run.start():at].rstrip())) if at > run.start() else []
        word = inside.group(1)
        return found + list(self._after_title(text, word, _past_title(text, at + len(word))))

    # --- cued names -------------------------------------------------------------------------------------------
    def _cued(self, text: str, cues: TextIndex | None) -> Iterator[Finding]:
        """Names after a label, an introduction, a sign-off or a lower-case salutation (the scan in find() does the
        capitalised honorifics and salutations)."""
        for quote in _NICK_CLOSES:  # first: a label's value stops at the quote ("Employee: Antoinette "Toni" ...")
            if quote in text:
                yield from self._nicknamed(text, quote)
        labels = [*_LABEL_COLON.finditer(text), *_LABEL_EQUALS.finditer(text), *_LABEL_TAG.finditer(text)]
        if " :" in text:
            labels += _LABEL_SPACED.finditer(text)
        if " - " in text or " – " in text:
            labels += (dash for dash in _LABEL_DASH.finditer(text) if _heads_line(text, dash.start()))
        labels += _LABEL_NUMBERED.finditer(text)
        labels.sort(key=_START)
        for colon in labels:
            # Where the label's words end: before " 1:" of "Passenger 1:".
            kind = self._label_kind(text, colon.start() - 2 if colon.re is _LABEL_NUMBERED else colon.start())
            if not kind and colon.re is _LABEL_NUMBERED and (before := _WORD_BEFORE.search(text, max(0, colon.start() - 30), colon.start() - 2)):
                kind = "lab" if before.group(1).lower() in _NUMBERED_LABELS else ""  # "SUBJECT 1:", "Party 2:"
            if not kind and colon.re is _LABEL_COLON:
                yield from self._speaker(text, colon.start())
            if kind == "list":
                yield from self._list(text, colon.end(), "lab", lower=False)
            elif kind:
                yield from self._value(text, colon.end(), kind, lower=kind in ("lab", "part"))
                if "[" in colon.group():  # '"given": ["Ada", "Ngozi"]': every string of the array
                    for element in _ARRAY_NEXT.finditer(text, colon.end(), _array_end(text, colon.end())):
                        yield from self._value(text, element.end(), kind, lower=kind in ("lab", "part"))
        if "):" in text:  # "Agent (Megan): ..."
            for at in occurrences(text, "):"):
                if text[at - 2:at] == "(s" and self._label_kind(text, at - 2):  # "Tenant(s): A, B": the label's people
                    yield from self._list(text, _skip_blanks(text, at + 2), "lab", lower=False)
                else:
                    yield from self._speaker(text, at + 1)
        # The engine's index has lower-cased the text already (None when lower-casing changes its length). With it
        # comes the text's word set: a phrase counts only where its first word stands whole ("my name is", never
        # "army name is"), so a phrase whose first word the text lacks is not searched for (a str.find pass each).
        exact = cues is not None and cues.lower is not None
        lowered = cues.lower if exact else text.lower()
        words = cues.words() if exact else None
        for phrase, strong in _INTROS.items():
            if words is not None and not _PHRASE_WORDS[phrase] <= words:
                continue
            for at in occurrences(lowered, phrase):
                # "Named Entity Recognition" is a title: a capitalised "named"/"called" is no introduction.
                if (not at or not lowered[at - 1].isalnum()) and (phrase not in ("named ", "called ") or text[at].islower()):
                    yield from self._value(text, at + len(phrase), "intro" if strong else "weak", lower=strong)
        for phrase, caps in _BARE_LABELS.items():
            if words is not None and caps and phrase.strip() not in words or not caps and phrase not in lowered:
                continue
            for at in occurrences(lowered, phrase):
                if at and lowered[at - 1].isalnum():
                    continue
                pos = at + len(phrase)
                if caps and not (text[at].islower() and self._caps_name(text, pos)):
                    continue
                yield from self._value(text, pos, "lab", lower=False)
        for word in sorted(_LOWER_TITLE_WORDS if words is None else _LOWER_TITLE_WORDS.intersection(words)):
            for title in _LOWER_TITLES[word]:
                for at in occurrences(lowered, title) if title in lowered else ():
                    pos = _skip_blanks(text, at + len(title))
                    if text[at].islower() and (not at or not lowered[at - 1].isalnum()) and text[pos:pos + 1].isupper():
                        yield from self._value(text, pos, "hon", lower=False)
        for phrase in _LOWER_SALUTATIONS:  # "hi jane" opening the text or a line
            if words is not None and not _PHRASE_WORDS[phrase] <= words:
                continue
            starts = [0] if lowered.startswith(phrase) else []
            starts += [at + 1 for at in occurrences(lowered, "\n" + phrase)]
            for at in starts:
                yield from self._value(text, _skip_blanks(text, at + len(phrase)), "sal", lower=True)
        for title in sorted(_CAPS_TITLES if words is None else _CAPS_TITLES.intersection(words)):
            # Capitals throughout, as forms and envelopes write names: "MR DEREK A MACKINNON", "MME NATHALIE".
            upper = title.upper()
            for at in occurrences(text, upper):
                pos = _past_title(text, at + len(upper))
                if pos > at + len(upper) and (not at or not text[at - 1].isalnum()) and text[pos:pos + 2].isupper():
                    yield from self._value(text, pos, "hon", lower=False)
        if "/" in text and (words is None or not _GDS_TITLES.isdisjoint(words)):
            yield from self._booked(text)
        for relation in _RELATIONS if "/o " in lowered or "a/l " in lowered or "a/p " in lowered else ():
            # Indian and Malay records name a parent or husband: "S/O Late Venkata Reddy", "D/O Imran Chaudhary",
            # "MUTHU A/L GOVINDASAMY"; the person's own name before it belongs to the same name ("Sharmila d/o
            # Krishnan").
            if relation in lowered:
                for at in occurrences(lowered, relation):
                    if at and text[at - 1].isalnum():
                        continue
                    pos = _skip_blanks(text, at + len(relation))
                    parent = list(self._after_title(text, "S/O", pos))
                    # One word after it, no title between: a patronymic, part of the legal name ("MUTHU A/L
                    # GOVINDASAMY"); else the parent's or husband's own name ("w/o Late Ram Prasad Tiwari").
                    own = self._name_before(text, at) if len(parent) == 1 and parent[0].start == pos and " " not in text[pos:parent[0].end] else None
                    if own is not None:
                        parent = [Finding("NAME", own, parent[0].end, parent[0].score, False, self.name)]
                    yield from parent
        for word in sorted(_KIN if words is None else _KIN.intersection(words)):  # sorted: the same order in every process
            for at in occurrences(lowered, word + " "):
                pos = _skip_blanks(text, at + len(word) + 1)
                if at and lowered[at - 1].isalnum() or text[pos:pos + 2].isupper():  # "person ", "Daughter TV"
                    continue
                if not text[pos:pos + 1].isupper():  # "my friend said": a lower-case word only if a given name
                    first = _FIRST_LOWER.match(text, pos)
                    if first is None or (self.flags(first.group()) & (GIVEN | COMMON)) != GIVEN:
                        continue
                if word in _KIN_LISTS:
                    yield from self._list(text, pos, "kin", lower=True)
                else:
                    yield from self._value(text, pos, "kin", lower=True)
        ends: list[int] = []
        for end in _SIGN_OFF_ENDS:
            if words is not None and end in _FIRST_WORD and _FIRST_WORD[end] not in words:
                continue  # "regards\n" ends a sign-off only as a word of its own ("Best regards")
            if end in _END_CHAR and _END_CHAR[end] not in lowered:
                continue
            ends += [at + len(end) - 1 for at in occurrences(lowered, end)]
        for end in ends:
            line_start = lowered.rfind("\n", 0, end) + 1
            if lowered[line_start:end].strip(" \t\r,!.") in _SIGN_OFFS:
                yield from self._value(text, _skip_blanks(text, lowered.find("\n", end) + 1), "sign", lower=False)
        if "<" in text and ('" <' in text or '"<' in text):  # memchr first: a two-character search costs 30 times more
            for display in _DISPLAY_SURNAME_FIRST.finditer(text):
                start = display.start("v")
                tokens = self._tokens(start, display.group("v").replace(",", " "))  # offsets unchanged
                if len(tokens) > 1:
                    yield from self._judged("hdr", tokens, False)
        yield from self._columns(text, lowered, words, cues)
        yield from self._sql_rows(text, lowered, words)
        if "  " in text and (words is None or "name" in words):
            yield from self._laid_out(text, lowered)
        if "  " in text and (words is None or "age" in words) and len(lowered) == len(text):
            yield from _laid_out_ages(text, lowered)
        if "CN=" in text or "VCARD" in text:
            yield from self._cards(text)
        yield from self._caps_heads(text)
        for key in _USER_KEYS:
            if key in text:
                yield from self._quoted_users(text, key)

    def _quoted_users(self, text: str, key: str) -> Iterator[Finding]:
        """A log's user field quoted with blanks inside, 'user="PARK Ji-hoon"': a person's name, not a login (which
        holds no blank). Two to four words, each capitalised, none only a common, place or organisation word."""
        for at in occurrences(text, key):
            if at and (text[at - 1].isalnum() or text[at - 1] == "_"):
                continue
            value = _QUOTED_USER.match(text, at + len(key))
            if value is None:
                continue
            tokens = [(s, e, self.flags(text[s:e])) for s, e, _ in _words(value.start("v"), value.group("v"))]
            if 1 < len(tokens) <= 4 and all(text[s].isupper() and not _stops(f) for s, _, f in tokens):
                yield Finding("NAME", value.start("v"), value.end("v"), 0.9, False, self.name)  # over the login pattern's first word

    def _caps_heads(self, text: str) -> Iterator[Finding]:
        """A name in capitals alone on the line that opens a paragraph, as signatures and contact blocks head
        themselves ("\n\nARJUN MEHTA-KAPOOR\nSenior Analyst"): a given name first, no word a common, place or
        organisation word ("PATIENT DETAILS", "NEW YORK OFFICE" are headings)."""
        heads = [head] if (head := _CAPS_HEAD.match(text)) else []
        for line in (*heads, *_CAPS_PARAGRAPH.finditer(text)):  # led by "\n\n": sre finds it at memchr speed
            tokens = self._tokens(line.start("v"), line.group("v"))
            if len(tokens) > 1 and tokens[0][2] & GIVEN and not any(f & (COMMON | PLACE | ORG) for _, _, f in tokens):
                yield Finding("NAME", tokens[0][0], tokens[-1][1], 0.75, False, self.name)

    def _laid_out(self, text: str, lowered: str) -> Iterator[Finding]:
        """A table laid out with blanks, as PDFs, OCR'd pages and booking systems print one: under a header cell
        "Name" ("# Name   Age  Gender", " Sl  Name   Relation   Age"), each row's cell that starts in that column
        ("1 RAJEEV MALHOTRA       58   M") or, as pandas prints a frame, ends where the header ends, read as after a
        label; the table ends at a line that does not line up."""
        if len(lowered) != len(text):
            return  # a header's column would not be the rows' ("İ" lower-cases to two characters)
        for line_end, header, cell in _header_cells(lowered, "name", _LAID_OUT_HEADER):
            qualifier = _QUALIFIER_BEFORE.search(header, 0, cell)  # "Passenger Name": the cell starts at its first word
            column = qualifier.start() if qualifier else cell
            kind = _column_kind(header[column:cell + 4])  # as a delimited table's: "Item Name" names things
            right = cell + 4  # where the header cell ends: pandas right-aligns a column to it
            for row_start, row in _lines_after(text, line_end, _LAID_OUT_ROWS) if kind else ():
                if row.count("  ") < 2:
                    break
                # "0     M1001         Goh Kai Xuan  S9707467D": a cell that ends under the header's end and starts
                # before its start is right-aligned
                begin = row.rfind("  ", 0, right) + 2
                if len(row) >= right and row[right - 1] != " " and row[right:right + 2] in ("", "  ") and 1 < begin < column:
                    found = self._value(text, row_start + begin, kind, lower=False)
                    yield from (name for name in found if name.end <= row_start + right)
                elif len(row) > column and row[column] != " " and (not column or row[column - 1] == " "):
                    yield from self._value(text, row_start + column, kind, lower=False)
                else:
                    break

    def _cards(self, text: str) -> Iterator[Finding]:
        """A vCard's structured name ("N:Carvalho;Inês;Margarida;;": family, given, middle names) and a calendar
        invitation's attendee or organiser ("ATTENDEE;CN=Lalitha Venkatraman;ROLE=..."): each part that is a run of
        capitalised words, whatever the lexicons say (the field says it is a name)."""
        parts = [m.span("v") for m in _ICS_CN.finditer(text)] if "CN=" in text else []
        if "VCARD" in text:
            parts += [m.span(group) for m in _VCARD_N.finditer(text) for group in ("family", "given", "middle") if m.group(group)]
        for start, end in parts:
            run = _VALUE_TITLE.match(text, start) or _VALUE_CAPS.match(text, start)
            if run is not None and run.end() == end and not any(self.flags(word) & ORG for word in run.group().split()):
                yield Finding("NAME", start, end, 0.85, False, self.name)  # not a company's card: "N:Acme Corp;;;;"

    def _columns(self, text: str, lowered: str, words: frozenset[str] | None, cues: TextIndex | None) -> Iterator[Finding]:
        """Names in the columns of a table (CSV, TSV, Markdown, ";") whose header cell is a person label
        ("first_name", "Last Name", "patientName"): each row's cell there is read as after that label."""
        if not _tabular(text):
            return
        present = _COLUMN_WORDS if words is None else _COLUMN_WORDS.intersection(words)
        headers: set[int] = set()
        for last in present:
            for at in occurrences(lowered, last):
                # A header cell ends with its label: a separator (or the line's end) follows, maybe after a quote.
                after = lowered[at + len(last):at + len(last) + 3].lstrip(" \"'*`")
                if after[:1] not in _CELL_ENDS:
                    continue
                start = lowered.rfind("\n", 0, at) + 1
                if start not in headers:
                    headers.add(start)
                    yield from self._table(text, start, cues)

    def _sql_rows(self, text: str, lowered: str, words: frozenset[str] | None) -> Iterator[Finding]:
        """Names in the values of an SQL INSERT whose column is a person label: each is read as after that label."""
        if (words is not None and not ("insert" in words and "values" in words)) or "values" not in lowered:
            return
        for table in inserts(text):
            yield from self._cells(text, table, strings_only=True)

    def _table(self, text: str, start: int, cues: TextIndex | None) -> Iterator[Finding]:
        yield from self._cells(text, cues.table_at(start) if cues is not None else table_at(text, start))

    def _cells(self, text: str, table: list[Column], strings_only: bool = False) -> Iterator[Finding]:
        """Each cell of a column whose header is a person label, read as after that label (in SQL, only strings:
        ``NULL`` is no name)."""
        kinds = [_column_kind(text[column.header[0]:column.header[1]]) for column in table]
        parted = "part" in kinds  # beside a surname column, "nombre" or "Name" holds the given name: one part as well
        cells = sorted((start, "part" if parted and kind == "lab" else kind) for column, kind in zip(table, kinds) if kind
                       for start, _ in column.cells if not strings_only or text[start - 1] == "'")
        for start, kind in cells:  # in the text's order, row by row
            yield from self._value(text, start, kind, lower=True)

    @staticmethod
    def _label_kind(text: str, colon: int) -> str:
        """"lab" for a person label before the colon, "part" for a label of one part of a name ("Last name"),
        "hdr" for an e-mail header, "" otherwise. Keys as data writes them ('"firstName"', "last_name") are read as
        the words they join."""
        line = text[max(0, colon - 40):colon].rstrip(" ")
        # A line's earlier fields end where two blanks or a tab stand: "Nom : Tremblay   Prénom :" labels with "Prénom".
        gap = line.rfind("  ")
        line = line[max(line.rfind("\n"), gap + 1 if gap >= 0 else -1, line.rfind("\t")) + 1:]
        tail = line[line.rfind(" ") + 1:]
        bare = tail.rstrip("\"'")
        if text[colon] == ">" or len(bare) < len(tail):  # '"family": "Okafor"', "<given>Ada</given>"
            key = _KEY.search(bare)
            if key and key.group().lower() in _KEY_PARTS:
                return _KEY_PARTS[key.group().lower()]
        if tail.lower() not in _LABEL_LAST_WORDS:
            if not bare.lower().endswith(_LABEL_ENDINGS):
                return ""  # most keys ("ip=", '"id":') end in no label word at all
            key = _KEY.search(bare)  # '{"patientName"' -> "patientName"
            spaced = _KEY_BREAK.sub(" ", key.group()) if key else ""
            if spaced == tail or spaced[spaced.rfind(" ") + 1:].lower() not in _LABEL_LAST_WORDS:
                return ""
            # "patient Name"; a query string's key ("/signup?name=") is a label of its own
            line = spaced if tail[:key.start()].endswith(("?", "&")) else line[:len(line) - len(tail)] + spaced
        words = _WORDS.findall(line.lower())[-3:]
        head = line[:line.rstrip("\"' ").rfind(" ") + 1].rstrip(" ")
        before = head[head.rfind(" ") + 1:]
        if _FIELD_MARKS.intersection(before) or before.endswith(("',", '",')):
            words = words[-1:]  # 'cvv=417 holder=', '"cvv": "417", "name":': the word before ends another field
        if len(words) == 1 and words[0] in _HEADERS and not line[:line.lower().find(words[0])].strip():
            return "hdr"
        for k in (3, 2, 1):
            kind = _label_class(" ".join(words[-k:])) if len(words) >= k else ""
            if kind:
                # "File name:", "Project owner:" label a thing, not a person.
                return "" if k == 1 and len(words) > 1 and not _qualifies(words[-2]) else kind
        return ""

    def _value(self, text: str, pos: int, kind: str, lower: bool) -> Iterator[Finding]:
        if not text[pos:pos + 1].isalpha():
            return
        if "\u3400" <= text[pos] <= "\u9fff":  # "Grandmother: 李月嫦", "Mdm 许亚莲": a name in Chinese characters
            hanzi = _HANZI_NAME.match(text, pos)
            if hanzi is not None and kind in ("lab", "hon", "kin", "part"):
                yield Finding("NAME", pos, hanzi.end(), 0.8, False, self.name)
            return
        if kind in ("hon", "lab") and text[pos].islower() and (lead := _LEAD_PARTICLES.match(text, pos)):
            # "Ms. de la Cruz", "Name: van der Berg, Anna": the particles open the name
            for finding in self._value(text, lead.end(), kind, lower):
                yield Finding("NAME", pos, finding.end, finding.score, False, self.name) if finding.start == lead.end() else finding
            return
        if text[pos - 1] == "=" and ("+" in text or "%20" in text):
            query = _QUERY_TITLE.match(text, pos) or (_QUERY_LOWER.match(text, pos) if lower else None)
            if query is not None:  # "name=Jane+Doe": read with blanks for "+" and "%20" (offsets unchanged)
                spaced = query.group().replace("%20", "   ").replace("+", " ")
                yield from self._judged(kind, self._tokens(pos, spaced), lower and query.group()[0].islower())
                return
        if kind in ("lab", "kin") and (titles := _MORE_TITLES.match(text, pos)):
            pos, kind = titles.end(), "hon"  # "Lessor: Mr. K. S. NAGARAJ RAO", "Name: SMT. PADMAVATHI"
        titled = _VALUE_TITLE.match(text, pos)
        if titled is not None and titled.group()[-1] == "." and (caps := _VALUE_CAPS.match(text, pos)) and caps.end() > titled.end():
            titled = None  # initials before a name in capitals ("K. S. NAGARAJ RAO")
        value = titled or _VALUE_CAPS.match(text, pos)
        if value is None and lower:
            value = _VALUE_LOWER.match(text, pos)
            lower = value is not None
        elif value is not None:
            lower = False
        if value is None:
            return
        if text[value.end():value.end() + 1] == "-" and text[value.end() + 1:value.end() + 2].isdigit():
            return  # "Lic. VI-1098832": an identifier's letters
        after = text[value.end():value.end() + 3].lstrip(" \t")
        if kind == "hdr" and not after.startswith(("<", "(", "[")):
            return  # "To: Jane Smith <jane@...>" is a person; "To: All Staff" is not
        if kind == "sign" and after[:1] not in ("", "\n", "\r", ",", "|"):
            return  # a sign-off is followed by a name alone on its line, not "Sent from my phone"
        if self._organisation_follows(text, value.end()):
            return  # "Verkäufer: Werkzeughaus Rhein-Main GmbH", "Recipient: Trendline Retail Private Limited"
        tokens = self._tokens(value.start(), _unlabelled(text, value))
        if kind == "sal" and tokens and text[tokens[0][0]:tokens[0][1]].lower() in _ADDRESSED_NO_ONE:
            return  # "Dear Investor", "Hey Siri", "Hi Team"
        if titled is None and kind in ("lab", "part", "hon") and 0 < len(tokens) <= 2 and tokens[-1][1] == value.end():
            # The surname in capitals, then the given name, as French and other registers write it: "DUPONT Émile".
            given = _VALUE_TITLE.match(text, value.end() + 1) if text[value.end():value.end() + 1] == " " else None
            more = self._tokens(given.start(), _unlabelled(text, given)) if given else []
            if more and more[0][2] & GIVEN and not _stops(more[0][2]):
                tokens, value = tokens + more, given
        if len(tokens) == 1 and kind in ("lab", "hon") and text[value.end():value.end() + 1] == ",":
            # Registers write the surname first: "Patient: Gutierrez, Rosa E.", "PATIENT: LAWRENCE, DEVIN".
            rest = _skip_blanks(text, value.end() + 1)
            given = _VALUE_TITLE.match(text, rest) or _VALUE_CAPS.match(text, rest)
            more = self._tokens(given.start(), _unlabelled(text, given)) if given else []
            if more and (more[0][2] & GIVEN or tokens[0][2] & SURNAME) and not _stops(more[0][2]):
                tokens, value = tokens + more, given
        if tokens and _FIELD_END.match(text, value.end()) and (last := _LAST_INITIAL.search(value.group())):
            # After a cue, a closing initial before the field's end is the name's ("Driver: Dmitri V.   Vehicle:").
            tokens.append((value.start() + last.start(), value.end(), INITIAL))
        elif (tokens and tokens[-1][1] == value.end() and (titled is None or tokens[0][2] & (GIVEN | ORG) == GIVEN or not tokens[0][2])
              and (last := _CAPS_LAST_INITIAL.match(text, value.end()))):  # "Selvi M   Wife" (unlisted), not "Tower C,"
            tokens.append((last.start() + 1, last.end(), INITIAL))
        if kind == "part" and len(tokens) == 1 and text[tokens[0][0]:tokens[0][1]].lower() in _TYPE_WORDS:
            return  # "lastName: String" in a GraphQL or TypeScript schema
        yield from self._judged(kind, tokens, lower)

    def _list(self, text: str, pos: int, kind: str, lower: bool) -> Iterator[Finding]:
        """Names listed on one line after a plural person word ("Attendees: Priya, Tom Hale and Ana", "kids Leo (5)
        and Mia (3)"), each judged as after that word. Once two items are names, a lone word the lexicons lack
        altogether counts too ("Present: Priya, Tom, Oisín"): the list is evidently one of people."""
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        items: list[tuple[list[tuple[int, int, int]], bool]] = []
        at = pos
        while at < end and len(items) < _LIST_MOST:
            run = _VALUE_TITLE.match(text, at, end) or _VALUE_CAPS.match(text, at, end)
            if run is None and lower:
                run = _VALUE_LOWER.match(text, at, end)
            if run is None:
                break
            items.append((self._tokens(run.start(), _unlabelled(text, run)), run.group()[0].islower()))
            separator = _LIST_SEP.match(text, run.end(), end)
            if separator is None:
                break
            at = separator.end()
        judged = [(tokens, _judge_cued(kind, [f for _, _, f in tokens], low) if tokens else 0.0) for tokens, low in items]
        listed = sum(1 for _, score in judged if score) >= 2
        for (tokens, low), (_, score) in zip(items, judged):
            if not score and listed and not low and len(tokens) == 1 and tokens[0][2] == 0:
                score = 0.7
            if score:
                yield Finding("NAME", tokens[0][0], tokens[-1][1], score, False, self.name)

    def _booked(self, text: str) -> Iterator[Finding]:
        """Passengers as airline bookings write them, "SURNAME/GIVEN TITLE" ("SMITH/JOHN MR", "IBARRA SANTOS / CARMEN
        MRS"): found from the slash (memchr speed), the given names listed as such, no word a common one ("AND/OR MS")."""
        for given in _GDS_GIVEN.finditer(text):
            surname = _GDS_SURNAME.search(text, max(0, given.start() - _GDS_REACH), given.start())
            if surname is None:
                continue
            first = self._tokens(given.start("v"), given.group("v"))
            last = self._tokens(surname.start("v"), surname.group("v"))
            if first and first[0][2] & GIVEN and not any(f & COMMON for _, _, f in first + last):
                yield Finding("NAME", last[0][0], last[-1][1], 0.85, False, self.name)
                yield Finding("NAME", first[0][0], first[-1][1], 0.85, False, self.name)

    def _speaker(self, text: str, colon: int) -> Iterator[Finding]:
        """Who speaks in a chat or a log of notes: "[14:03] Agent (Megan):", "- 09:14 Marco:", "Farah:" opening a
        line. A given name (one that is no common word unless a time stamp marks the line as a chat's)."""
        line_start = text.rfind("\n", max(0, colon - 80), colon) + 1
        speaker = _SPEAKER.fullmatch(text, line_start, colon)
        if speaker is None:
            return
        group = "inner" if speaker.group("inner") else "name"
        if speaker.group(group).lower() in _MAIL_HEADERS:
            return  # "Von: selin@...", "Objet : ...": an e-mail's header, not a chat's speaker
        tokens = self._tokens(speaker.start(group), speaker.group(group))
        if len(tokens) > 1 and text[tokens[0][0]:tokens[0][1]].lower() in _SPEAKER_ROLES:
            tokens = tokens[1:]  # "[10:15] Agente Alba:", "Kunde Jonas:"
        if not tokens or len(tokens) > 3:
            return
        if not tokens[0][2] & GIVEN or not all(f & _NAMEISH for _, _, f in tokens):
            # After a time stamp, two or three capitalised words the lexicons do not contradict are a speaker too
            # ("[08:02] Kristoffer Aas:"); one unknown word there is as often a bot or a system ("[08:02] Zendesk:").
            if speaker.group("stamp") and len(tokens) > 1 and all(text[s].isupper() and not f & (COMMON | PLACE | ORG) for s, _, f in tokens):
                yield Finding("NAME", tokens[0][0], tokens[-1][1], 0.75, False, self.name)
            elif speaker.group("stamp") and self._chat_handle(text, tokens):
                yield Finding("NAME", tokens[0][0], tokens[-1][1], 0.7, False, self.name)
            return
        if tokens[0][2] & COMMON and not speaker.group("stamp"):
            return  # "Will: ..." opening a line is as often a heading
        yield Finding("NAME", tokens[0][0], tokens[-1][1], 0.8, False, self.name)

    def _chat_handle(self, text: str, tokens: list[tuple[int, int, int]]) -> bool:
        """A lower-case speaker of a time-stamped chat who speaks again ("[20:11] kenji:", "[21:07] ollie b:"), as
        group chats show people's own spellings; bots and systems write themselves capitalised ("Zendesk:")."""
        who = text[tokens[0][0]:tokens[-1][1]]
        return (who.islower() and len(tokens) <= 2 and who.replace(" ", "").isalpha() and who not in _SPEAKER_ROLES
                and not any(_stops(f) for _, _, f in tokens) and text.count(f"] {who}:") >= 2)

    def _nicknamed(self, text: str, close: str) -> Iterator[Finding]:
        """A name with a nickname in quotes inside it, 'Wojciech "Wojtek" Lis', 'Frederick "Fritz" van der Merwe':
        found from each closing quote and a blank (``close``); the words before the quote and after it must make a
        name, one of its first words or the nickname a given name."""
        for at in occurrences(text, close):
            nick = _NICK_OPEN.search(text, max(0, at - _NICK_REACH), at)
            own = self._name_before(text, nick.start() + 1) if nick else None
            if own is None:
                continue
            rest = _skip_blanks(text, at + 1)
            lead = _LEAD_PARTICLES.match(text, rest)
            run = _VALUE_TITLE.match(text, lead.end() if lead else rest)
            tokens = self._tokens(run.start(), run.group()) if run else []
            if tokens and any(self.flags(word) & GIVEN for word in (text[own:nick.start()].split()[0], nick.group("v"))):
                yield Finding("NAME", own, tokens[-1][1], 0.85, False, self.name)

    def _name_before(self, text: str, at: int) -> int | None:
        """Where the words right before ``at`` start, if they may be a person's name (none a common, place or
        organisation word and not only honorifics): "Sharmila " before "d/o"."""
        run = _NAME_BEFORE.search(text, max(0, at - _NAME_BEFORE_REACH), at)
        if run is None:
            return None
        tokens = self._tokens(run.start(), run.group().rstrip())
        if not tokens or any(f & (COMMON | PLACE | ORG) and not f & _NAMEISH for _, _, f in tokens):
            return None
        return tokens[0][0]

    def _caps_name(self, text: str, pos: int) -> bool:
        """Two or more words in capitals at ``pos`` that the lexicons back as a name: one of them a given name or
        surname, none a common, place or organisation word ("name VARCHAR NOT NULL" is a column)."""
        run = _VALUE_CAPS.match(text, pos)
        flags = [self.flags(word) for word in run.group().split()] if run else []
        return len(flags) > 1 and any(f & _NAMEISH for f in flags) and not any(f & (COMMON | PLACE | ORG) for f in flags)

    def _organisation_follows(self, text: str, pos: int) -> bool:
        """An organisation word ("GmbH", "Ltd") is one of the next two words; after a comma, the next word only
        ("Acme, Inc.", not "Ms Adaeze Nwachukwu-Ford, Warehouse Team Leader")."""
        comma = text[pos:pos + 1] == ","
        after = _skip_blanks(text, pos + comma)
        following = _NEXT_WORDS.match(text, pos).group().split()
        return text[after:after + 1].isupper() and any(self.flags(word.strip(",.")) & ORG for word in following[:1 if comma else 2])

    def _judged(self, kind: str, tokens: list[tuple[int, int, int]], lower: bool) -> Iterator[Finding]:
        """The name the cued words make (``_judge_cued``), from their first word to their last, if they make one."""
        score = _judge_cued(kind, [f for _, _, f in tokens], lower)
        if score:
            yield Finding("NAME", tokens[0][0], tokens[-1][1], score, False, self.name)

    def _tokens(self, offset: int, value: str) -> list[tuple[int, int, int]]:
        """(start, end, flags) of a run's words; particles and leading honorifics dropped, cut at a non-name word."""
        out: list[tuple[int, int, int]] = []
        words = list(_words(offset, value))
        for i, (start, end, word) in enumerate(words):
            # A particle joins the words around it ("Ana de Souza"); last, it is the surname ("Edhitha De").
            if out and i + 1 < len(words) and word.lower() in _PARTICLES or not out and word.rstrip(".") in _HONORIFIC_WORDS:
                continue
            flags = self.flags(word) if len(word) > 1 or not out or i + 1 == len(words) else INITIAL  # "WANDA J PEARSON"
            if flags & ORG and flags & SURNAME:
                flags &= ~ORG
            if out and _stops(flags):  # "Trendline Retail Private Limited": an organisation after all
                return [] if flags & ORG or any(self.flags(w) & ORG for _, _, w in words[i + 1:i + 3]) else _trim(out)
            out.append((start, end, flags))
        return _trim(out)

    def addressee(self, text: str, address_start: int) -> Finding | None:
        """The name heading the address that starts at ``address_start``: alone on the line above it, or right
        before it and a comma ("ship to Jane Smith, 12 Oak Lane"). Judged as after an introduction: unlisted
        words count ("Gerwin Geisler"), an organisation or common words do not ("Head Office", "Acme Ltd")."""
        before = _ADDRESSEE.search(text, max(0, address_start - _ADDRESSEE_REACH), address_start)
        if before is None:
            return None
        start, end = before.span("name")
        for finding in self._value(text, start, "intro", lower=False):
            if finding.start == start and finding.end == end:
                return finding
        return None

    def _surname_first(self, text: str, start: int, given_at: int) -> list[Finding]:
        """"Surname, Given" without a cue: only a word that is a surname and nothing else (no given name, place or
        common word: "Paris, London", "Jordan, Michael" stay apart) before a given name that is no common word."""
        if start and (text[start - 1].isalpha() or text[start - 1] in "@./#_-"):
            return []
        flags = self.flags(text[start:text.index(",", start)])
        if not flags & SURNAME or flags & (GIVEN | COMMON | PLACE | ORG):
            return []
        run = _VALUE_TITLE.match(text, given_at)
        tokens = self._tokens(run.start(), run.group()) if run else []
        if not tokens or not tokens[0][2] & GIVEN or tokens[0][2] & COMMON:
            return []
        return [Finding("NAME", start, tokens[-1][1], 0.7, False, self.name)]

    # --- lexicon-backed capitalised runs ----------------------------------------------------------------------
    def _from_run(self, offset: int, run: str) -> Iterator[Finding]:
        words = [(start, end, self.flags(word)) for start, end, word in _words(offset, run) if word.lower() not in _PARTICLES]
        i = 0
        while i < len(words) - 1:
            end, score = self._name_at(words, i)
            if score and not _names_place(run.lower(), offset, words, i, end):
                yield Finding("NAME", words[i][0], words[end - 1][1], score, False, self.name)
            i = end

    def _name_at(self, words: list[tuple[int, int, int]], i: int) -> tuple[int, float]:
        """(index after the name, score) for a name starting at ``words[i]``; score 0 when there is none."""
        if words[i][2] & ORG and not words[i][2] & SURNAME:
            return i + 1, 0.0  # "Kia Sportage", "Porsche Macan": a make, a brand, an organisation opens the run
        j = i + 1
        while j < len(words) and not _stops(words[j][2]):
            j += 1
        if j < len(words) and words[j][2] & ORG:
            return j + 1, 0.0  # "Morgan Stanley Services", "Jordan Web Services": an organisation
        span = _trim(words[i:j])
        if len(span) < 2:
            return i + 1, 0.0
        flags = [f for _, _, f in span]
        first, second, last = flags[0], flags[1], flags[-1]
        strong = [f & _NAMEISH and not f & COMMON for f in flags]
        if first & GIVEN and strong[0]:
            if last & _NAMEISH:
                return i + len(span), (0.85 if strong[-1] else 0.55)  # "Jane Brown": brown is also a word
            known = [k for k, f in enumerate(flags) if k and f & SURNAME]
            if known:  # "John Smith Quarterly": the name ends at its last known surname or unlisted word after it
                last_name = known[-1]  # ("Karl Heinz Eigenwillig": a second surname the lexicons lack)
                while last_name + 1 < len(flags) and flags[last_name + 1] == 0:
                    last_name += 1
                return i + last_name + 1, 0.85
            return i + len(span), (0.6 if last == 0 else 0.0)
        if first & GIVEN and second & SURNAME and strong[1]:
            return i + len(span), 0.7  # "Will Thornton", not "Will Power" (power is also a word)
        if first & INITIAL and last & SURNAME and not last & (COMMON | PLACE):
            return i + len(span), 0.7  # "J. Smith"
        if first & SURNAME and strong[0] and second & GIVEN and last & _NAMEISH:
            return i + len(span), self._family_first_score  # "Tan Wei Ming", "Lim Jia Hui"
        return i + 1, 0.0


# A chat line's speaker before its colon: an optional time stamp ("[14:03]", "[12/5/24, 9:15 PM]", "- 09:14"), then a
# name, or a role with the name in brackets ("Agent (Megan)").
_SPEAKER = re.compile(
    r"[ \t]*(?P<stamp>\[[^\]\n]{1,30}\][ \t]*|-?[ \t]*\d{1,2}[:.]\d{2}(?:[ \t]*[AaPp]\.?[Mm]\.?)?[ \t]*-?[ \t]*)?"
    r"(?:[A-Za-z]{2,12}[ \t]*\((?P<inner>[^\W\d_][^()\n:]{1,40})\)|(?P<name>[^\W\d_][^\W\d_'’ -]{1,20}(?:[ \t][^\W\d_][^\W\d_'’-]{1,20}){0,2}))"
)
# A header cell "name" in a table laid out with blanks (``_laid_out``): a whole word ending its cell; before it, at
# most two words of the same cell ("passenger name"). At most ``_LAID_OUT_ROWS`` rows are read under it.
_LAID_OUT_HEADER = re.compile(r"(?<![\w-])name(?:  |\t|$)")
_QUALIFIER_BEFORE = re.compile(r"(?:(?<=  )|(?<=^))[a-z'’.]+(?: [a-z'’.]+)? \Z")
_LAID_OUT_ROWS = 50
_AGE_HEADER = re.compile(r"(?<![\w-])age(?:  |\t|$)")
_AGE_CELL = re.compile(r"\d{1,3}(?=[ \t]|\Z|[yY]\b)")  # "63", "7y"; not kubectl's "3d4h"
# A vCard's "N:" line (``_cards``) and the common name of an iCalendar attendee or organiser.
_VCARD_N = re.compile(r"^N(?:;[^:\n]*)?:(?P<family>[^;\n]*);(?P<given>[^;\n]*)(?:;(?P<middle>[^;\n]*))?", re.MULTILINE)
_ICS_CN = re.compile(r"^(?:ATTENDEE|ORGANIZER)[^:\n]*?;CN=\"?(?P<v>[^;:\"\n]+)", re.MULTILINE)
# A passenger as airline systems write one: capitals, surname first, a slash, given names, a title (``_booked``).
_GDS_GIVEN = re.compile(r"/ ?(?P<v>[A-Z][A-Z'-]+(?: [A-Z][A-Z'-]+){0,2}) (?:MR|MRS|MS|MISS|MSTR|DR|PROF|CHD|INF)\b")
_GDS_SURNAME = re.compile(r"(?<![\w/])(?P<v>[A-Z][A-Z'-]+(?: [A-Z][A-Z'-]+){0,2}) ?\Z")
_GDS_REACH = 40
_GDS_TITLES = frozenset(("mr", "mrs", "ms", "miss", "mstr", "dr", "prof", "chd", "inf"))
# E-mail headers in the languages of the EU region's customers ("Von:" is also a census given name).
_MAIL_HEADERS = frozenset("""von an betreff datum gesendet kopie de à objet envoyé date para asunto enviado fecha da a
    oggetto inviato data van aan onderwerp verzonden datum cc bcc""".split())
# Who a salutation may address that is no one's name: a role, a group, a voice assistant.
_ADDRESSED_NO_ONE = frozenset("""investor investors customer customers client clients member members applicant applicants
    colleague colleagues team all everyone friend friends parent parents shareholder shareholders student students
    candidate candidates patient patients valued sir sirs madam user users subscriber subscribers partner partners
    guest guests siri alexa google cortana bixby copilot chatgpt gemini""".split())
# Roles a chat writes before the speaker's name.
_SPEAKER_ROLES = frozenset("""agent agente agentin conseiller conseillère kunde kundin cliente client customer caller advisor
    berater beraterin operator operatore operatrice support mitarbeiter mitarbeiterin""".split())
_FIRST_LOWER = re.compile(r"[^\W\d_]+")
_NEXT_WORDS = re.compile(r"(?:[ \t,]{1,3}[\w.&]{1,20}){0,2}")


# Between the items of a list of names: a comma, semicolon, "&", "+" or "/", or "and" in the EU region's languages,
# after an optional bracket ("Lotte (5), Finn (3)", "Priya (PM) and Tom").
_LIST_SEP = re.compile(r"(?:[ \t]*\([^()\n]{0,30}\))?(?:[ \t]*[,;&+/][ \t]*|[ \t]+(?:and|und|et|en|e|y|og|och|i)[ \t]+)")
_LIST_MOST = 30


# A name found with at least this score lends its words to their other occurrences (``_echoes``): its words are
# runs of letters, joined by an apostrophe or a hyphen ("O'Brien", "Moorthy-Dawson").
_ECHO_SOURCE = 0.7
_ECHO_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))+")
# Around a lone given name (``NameRecognizer._lone``) or an echo: characters that glue it into an address, path or
# handle, and those after which a capitalised word opens something (a sentence, a line, a field, a bullet, a quote).
_GLUED = frozenset("@./#_-'’\\")
_OPENERS = frozenset(".!?:;\n\r\"“”‘'•*#>|-–=")
_HEADING_SHARE = 0.6
# After which a lone given name opening a sentence or line is still taken: a verb or linking word that follows a
# person ("Priya will call", "Fionn seems fine", "Tom and I"). (A possessive never counts: "'" glues the word.)
_SENTENCE_START_NAME = re.compile(r" (?:is|was|has|had|will|would|can|could|should|said|says|called|asked|told|wants|needs|seems|and|from|at|in)\b|[ \t]+[–—-][ \t]")


def _header_cells(lowered: str, word: str, cell: re.Pattern[str]) -> Iterator[tuple[int, str, int]]:
    """(end of line, line, column) of each header cell ``word`` of a table laid out with blanks: the cell as
    ``cell`` matches it, on a line with two gaps of two blanks at least."""
    for at in occurrences(lowered, word):
        line_start = lowered.rfind("\n", 0, at) + 1
        line_end = lowered.find("\n", at)
        line_end = len(lowered) if line_end < 0 else line_end
        header = lowered[line_start:line_end]
        if cell.match(header, at - line_start) and header.count("  ") >= 2:
            yield line_end, header, at - line_start


def _laid_out_ages(text: str, lowered: str) -> Iterator[Finding]:
    """The Age column of a table laid out with blanks ("#  Name   Age", a pandas frame's "name  age"): each row's
    number that starts under the header's start or ends under its end (right-aligned); up to the first row that
    has none."""
    for line_end, _, column in _header_cells(lowered, "age", _AGE_HEADER):
        for row_start, row in _lines_after(text, line_end, _LAID_OUT_ROWS):
            pos = column
            while 0 < pos <= len(row) and row[pos - 1].isdigit():
                pos -= 1  # the header's start inside the number ("58" one column left of "Age")
            age = _AGE_CELL.match(row, pos) or _AGE_CELL.match(row, row.rfind(" ", 0, column + 3) + 1)
            if age is None or (age.start() and row[age.start() - 1] != " ") or not column - 2 <= age.start() <= column + 2:
                break
            if int(age.group()) <= _OLDEST:
                yield Finding("AGE", row_start + age.start(), row_start + age.end(), 0.8, False, NameRecognizer.name)


def _lines_after(text: str, end: int, most: int) -> Iterator[tuple[int, str]]:
    """(start, line) of up to ``most`` lines after the line ending at ``end``, up to the first blank one."""
    for _ in range(most):
        if end >= len(text):
            return
        start = end + 1
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        row = text[start:end].rstrip("\r")
        if not row.strip():
            return
        yield start, row


def _capital_follows(text: str, end: int) -> bool:
    """A capitalised word right after (one blank between): the word is part of a run the lexicon pass judged."""
    return text[end:end + 1] == " " and text[end + 1:end + 2].isupper()


def _heading(text: str, at: int) -> bool:
    """The line holding ``at`` is a title: three words or more, most of them capitalised, no comma and no closing
    punctuation ("Meeting With Grace Today"; not "Thanks, Jordan, Michael and Sam!")."""
    line = text[text.rfind("\n", 0, at) + 1:text.find("\n", at) % (len(text) + 1)].rstrip()
    words = line.split()
    return (len(words) >= 3 and "," not in line and not line.endswith((".", "!", "?"))
            and sum(w[:1].isupper() for w in words) >= _HEADING_SHARE * len(words))


def _unlabelled(text: str, run: re.Match[str]) -> str:
    """A run of words without its last when a colon follows that: the next field's label ("Christian Geburtsdatum:")."""
    value = run.group()
    if text[run.end():run.end() + 1] == ":" and " " in value:
        return value[:value.rstrip().rfind(" ")].rstrip()
    return value


def _words(offset: int, value: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) for each whitespace-separated word of ``value``, offsets shifted by ``offset``."""
    pos = 0
    for word in value.split():
        pos = value.index(word, pos)
        yield offset + pos, offset + pos + len(word), word
        pos += len(word)


def _hints(text: str, raw: bytes | None) -> Iterator[re.Match[str]] | Iterator[re.Match[bytes]]:
    """``_HINT.finditer(text)``, on the shaped copy of the text's Latin-1 bytes ``raw`` (``latin1_bytes``) when
    there are any: the same spans and groups (the comma group as bytes, tested only for truth)."""
    if raw is None:  # letters beyond Latin-1 ("Łukasz", "Dvořák"): the class-led scan
        return _HINT.finditer(text)
    return _HINT_SHAPED.finditer(raw.translate(_SHAPES))


def _names_place(lowered: str, offset: int, words: list[tuple[int, int, int]], i: int, end: int) -> bool:
    """Two or three of the run's words from ``words[i]`` to ``words[end - 1]`` (or beside them: "Tsim Sha Tsui")
    spell a place or organisation of ``_place_phrases`` (``lowered`` is the run, lower-cased, starting at ``offset``)."""
    phrases = _place_phrases()
    for first in range(max(0, i - 2), end):
        for size in (2, 3):
            last = first + size
            if last > i and last <= len(words) and " ".join(
                    lowered[start - offset:stop - offset] for start, stop, _ in words[first:last]) in phrases:
                return True
    return False


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _past_title(text: str, end: int) -> int:
    """Where the word after a title ending at ``end`` starts: past its abbreviating "." ("Dr.") and the blanks."""
    return _skip_blanks(text, end + (text[end:end + 1] == "."))


def _stops(flags: int) -> bool:
    """A word that ends a capitalised run as a name: organisation, place or common word that is no name."""
    return bool(flags & ORG or (flags & (COMMON | PLACE) and not flags & _NAMEISH))


def _trim(tokens: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Drop trailing initials and non-name words, which end a sentence more often than they end a name."""
    while tokens and (tokens[-1][2] & INITIAL or _stops(tokens[-1][2])):
        tokens = tokens[:-1]
    return tokens


def _judge_cued(kind: str, flags: list[int], lower: bool) -> float:
    """Score of the words after a cue; 0 when they are not a name ("Dear team", "Hi all", "Customer: Acme Corp")."""
    if not flags:
        return 0.0
    first, union = flags[0], 0
    for f in flags:
        union |= f
    known = bool(union & _NAMEISH)
    if _stops(first) or union & ORG:
        return 0.0
    if first & COMMON and not first & GIVEN and kind != "hon" and not (kind == "part" and first & SURNAME):
        return 0.0  # "Hello World", "Dear Customer"; but "Mr. Brown", "Dear Will" and "Last name: Brown" are people
    if lower and not (all(f & _NAMEISH and not f & COMMON for f in flags) and (first & GIVEN or kind == "intro")):
        return 0.0
    if kind == "hon":
        return 0.9
    if kind == "lab":  # a lone word after "name:" is a name only if it is a given name ("name: Build" in YAML)
        if len(flags) == 1:
            return 0.9 if first & GIVEN and not first & COMMON else 0.0
        return 0.9 if known else 0.75
    if kind == "part":  # after "Last name:" a lone word is a surname, listed or not ("Okonkwo"), unless common
        if len(flags) == 1:
            return 0.85 if first & _NAMEISH else (0.75 if not first & COMMON else 0.0)
        return 0.9 if known else 0.75
    if kind == "kin":  # "my neighbor Frank" (also a word), "driver Dmitri" (unlisted); not "driver Update"
        if len(flags) == 1:
            return 0.85 if first & GIVEN else (0.6 if first == 0 and not lower else 0.0)
        return 0.85 if known else 0.6
    if kind == "weak":  # "this is", "called": a capitalised phrase after them is as often a product as a person
        if len(flags) == 1:
            return 0.85 if first & GIVEN and not first & COMMON else 0.0  # "this is Jane", not "this is Fine"
        return 0.85 if known else 0.55
    if kind in ("intro", "hdr"):
        return 0.85 if known else (0.6 if len(flags) > 1 else 0.0)
    # Salutations and sign-offs: "Dear Ms Ito" and "Regards,\nXochitl" are names even when unlisted.
    return 0.85 if known else 0.65
