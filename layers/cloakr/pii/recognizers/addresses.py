"""Postal addresses by grammar: a street anchor, then units, localities, town and postcode by country.

Anchors, found by regexes that start on a digit, a unit word or a "P" (so sre skips other positions in C):

* number + street name + street type: ``1600 Amphitheatre Parkway``, ``221B Baker Street``, ``10 Anson Road``,
  ``12 Jalan Besar`` (the type may lead, as in Malay and Singapore streets); USPS's suffixes that are also common
  words (``Summit``, ``Springs``, ``Key``) only with a town and postcode line after them;
* an Indian house number before a street without a type, with a town and PIN: ``67/654, Bhavsar, Dhule 685905``,
  ``B-702, Sai Krupa CHS, Sector 17, Vashi, Navi Mumbai 400703``, ``#402, ...``, ``188-B, ...``;
* unit first: ``Flat 4B, MG Road``, ``Blk 123 Ang Mo Kio Avenue 6``, ``Apt 5, 100 Main St``;
* German, from the house number back: ``Hauptstraße 5``, ``Berliner Str. 12a`` (``Am Weinberg 3`` needs a cue, or,
  in German-speaking countries, a postcode and town after it: ``Am Weinberg 3, 79100 Freiburg``);
* street first, as most of Europe writes it, found from the postcode line after it: ``Via Nizza 52, 10126 Torino``,
  ``Calle Mayor 17, 3º izq., 50001 Zaragoza``, ``Koningslaan 88, 3583 GP Utrecht``, ``15 rue Paul Bert, 35000 Rennes``
  (in any country; a month before the number makes it a date: ``Dec 21, 2024  AC``);
* ``PO Box 1234`` / ``Postfach 10 20 30``; US military mail (``PSC 1234, Box 5678, APO AE 09001``);
* a cue (``Address:``, ``lives at``, ``ship to``, ``Anschrift:``) followed by anything that ends in a postcode.

From the anchor the span grows over units (``Apt 4``, ``#10-01``, ``3. OG rechts``), locality lines and a town +
postcode line valid for some country (US state + ZIP, UK postcode, Canadian province + postcode, Australian state +
postcode, German, Austrian, Swiss and Dutch postcode + town, ``Singapore 079903``, Indian city + PIN), across
commas and newlines, so a letter's multi-line address is one finding. Locality segments are kept only when a
town/postcode line follows them, so the span never swallows the next sentence. With NAME enabled, the name heading
an address (the line above it, or before it and a comma) is reported too (``NameRecognizer.addressee``).

Not addresses: a street without a number (``turn left at Main St``), a postcode alone without a cue, a number
before a capitalised word that is not a street (``Version 2.3 Road map``, ``2 Hard Drive``).

``country`` (ISO-2) biases scores and one rule: after a numbered street a six-digit number ending the town line is a
postcode anywhere, but after a unit alone only in India and Singapore (elsewhere it needs ``PIN``, ``Singapore`` or
``India`` beside it, or an Indian house number such as ``H.No. 12``).
"""

from __future__ import annotations

import re
from typing import Iterator

from cloakr.pii.context import DIGIT_LEAD, TextIndex, occurrences
from cloakr.pii.model import Finding
from cloakr.pii.recognizers.names import NameRecognizer
from cloakr.pii.scanning import LazyPattern, scan_widened
from cloakr.pii.spans import first_disjoint

_STREET_TYPES = (
    "Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Terr|Ter|"
    "Way|Parkway|Pkwy|Highway|Hwy|Freeway|Fwy|Expressway|Expy|Circle|Cir|Trail|Trl|Close|Crescent|Cres|Grove|"
    "Gardens|Gdns|Mews|Row|Walk|Rise|Vale|Crossing|Loop|Alley|Pike|Path|Plaza|Plz|Point|Ridge|Cove|Bend|Heights|"
    "Hts|Garden|Quay|Wharf|Parade|Esplanade|Broadway|Marg|Salai|Nagar|Layout|Colony|Cross|Main|Chowk|Vihar|Enclave|"
    "Bazaar|Bazar|Gali|Estate|Park|Green|Hill|Hills|View|Centre|Center|Lorong|Peth"
)
# The rest of USPS Publication 28's street suffixes (appendix C1), with "Zila", "Ganj" and "Via". Many are also
# ordinary words after a number and a capitalised word ("Top 10 Key Points", "3 Great Lakes"), so a street that
# ends in one is an address only when a town and postcode line follows it (``_grow``).
_WEAK_TYPES = (
    "Anex|Arcade|Bayou|Beach|Bluffs?|Bottom|Branch|Bridge|Brooks?|Burgs?|Bypass|Camp|Canyon|Cape|Causeway|Centers|"
    "Circles|Cliffs?|Club|Commons?|Corners?|Course|Courts|Coves|Creek|Crest|Crossroads?|Curve|Dale|Dam|Divide|Drives|"
    "Estates|Extensions?|Falls?|Ferry|Fields?|Flats?|Fords?|Forest|Forges?|Forks?|Fort|Gateway|Glens?|Greens|Groves|"
    "Harbou?rs?|Haven|Hollow|Inlet|Islands?|Isle|Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lights?|Loaf|Locks?|"
    "Lodge|Mall|Manors?|Meadows?|Mills?|Mission|Motorway|Mount|Mountains?|Neck|Orchard|Oval|Overpass|Parks|"
    "Parkways|Pass|Passage|Pines?|Plains?|Points|Ports?|Prairie|Radial|Ramp|Ranch|Rapids?|Rest|Ridges|River|Roads|"
    "Route|Rue|Run|Shoals?|Shores?|Skyway|Springs?|Spurs?|Squares|Station|Stravenue|Stream|Streets|Summit|"
    "Throughway|Trace|Track|Trafficway|Tunnel|Turnpike|Underpass|Unions?|Valleys?|Viaduct|Views|Villages?|Ville|"
    "Vista|Walks|Wall|Ways|Wells?|Zila|Ganj|Via|Lor"
)
_PREFIX_TYPES = "Jalan|Jln|Lorong|Lor|Persiaran|Lebuh|Lebuhraya|Rue|Calle|Via"
# A capitalised word: letters, apostrophes, dots and hyphens, never digits ("Nandyal-833788" is a town and a PIN).
_CAP = r"[A-ZÀ-ÖØ-Þ](?:[^\W\d_]|['’.-])*"
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"
_NUMBER = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
_DIRECTION = r"(?:[NSEW]|N[EW]|S[EW]|North|South|East|West)\.?"
_STREET_NAME = rf"(?:{_DIRECTION}[ \t]+)?(?:(?:{_CAP}|{_ORDINAL})[ \t]+){{1,4}}"
_STREET_TAIL = rf"(?:{_STREET_TYPES}|{_STREET_TYPES.upper()}|(?P<weak>{_WEAK_TYPES}))\b\.?(?:[ \t]+{_DIRECTION}(?![\w]))?(?:[ \t]+\d{{1,3}}[A-Z]?\b)?"
# One scan for both number-led streets and German house numbers: the digit comes first, so sre only tries
# positions holding a digit. That first character is written as a class of everything but the ASCII non-digits
# (then ``(?<=\d)``): sre skips to it by a bitmap, where a leading ``\d`` costs a Unicode lookup per character.
# Group "de" is a house number after a word that may end a German street suffix ("Hauptstraße 5", "Berliner
# Str. 12a"); the suffix and the capitalised name are then checked by looking back. Group "house" is a house number
# before a comma and a street named without a type, as Indian addresses write it ("67/654, Bhavsar, Dhule 685905"):
# an address only when a town and postcode line follows. Group "plz" is a house number (three digits at most: not a
# year) right before a German postcode and town ("Am Weinberg 3, 79100 Freiburg"): in German-speaking countries the
# street's name, whatever its form, is then found by looking back.
_NUMBERED = re.compile(
    rf"[^\x00-\x2f\x3a-\x7f](?<![\w./:#-][\s\S])(?<=\d)(?:"
    rf"\d{{0,5}}+[A-Za-z]?(?:[-/]\d{{1,4}}[A-Za-z]?)?,?[ \t]+"
    rf"(?:{_STREET_NAME}{_STREET_TAIL}|(?:{_PREFIX_TYPES})[ \t]+(?:{_CAP}[ \t]*){{1,3}})"
    rf"|(?P<de>(?<=(?:ße|se|r\.|eg|tz|ee|mm|er|ig|ad|ng|kt)[ \t]\d)\d{{0,3}}[a-z]?(?:[-/]\d{{1,4}}[a-z]?){{0,2}}\b)"  # Vienna's "88/2/14"
    rf"|(?P<house>\d{{0,3}}[A-Z]?(?:/\d{{1,4}})?(?=,[ \t]{{1,3}}[A-ZÀ-ÖØ-Þ]))"
    rf"|(?P<plz>\d{{0,2}}[a-z]?(?=,?[ \t]+\d{{5}}[ \t]+[A-ZÄÖÜ])))"
)
# Where a ``_NUMBERED`` match can start: its first character and lookbehinds, then (looking ahead, so no start is
# skipped) its own beginning up to the first letter of a street name, or the whole German branch. In prose one
# number in ten gets that far; ``_NUMBERED`` and its hundred street types are then tried only there. It reads at
# most ``_NUMBER_READ`` characters past its digit (with no run of blanks longer than ``_BLANKS``).
_START_FORMS = (
    r"[^\x00-\x2f\x3a-\x7f](?<![\w./:#-][\s\S])(?<=\d)(?="
    r"\d{0,5}+[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?,?[ \t]+(?:[A-ZÀ-ÖØ-Þ]|\d{1,3}(?:st|nd|rd|th))"
    r"|(?<=(?:ße|se|r\.|eg|tz|ee|mm|er|ig|ad|ng|kt)[ \t]\d)\d{0,3}[a-z]?(?:[-/]\d{1,4}[a-z]?)?\b"
)
_NUMBER_START = re.compile(_START_FORMS + ")")
# In German-speaking countries also a number before a postcode and town (group "plz"): another form to try at every
# number, which the other countries do not pay for.
_NUMBER_START_DE = re.compile(_START_FORMS + r"|\d{0,2}[a-z]?,?[ \t]+\d{5}[ \t]+[A-ZÄÖÜ])")
_UNIT_WORDS = r"Flat|Apt|Apartment|Unit|Suite|Ste|Studio|Room|Rm|Blk|Block|House No|H\.? ?No|Plot No|Plot|Door No|Shop No|Shop"
# Unit first: "Flat 4B, MG Road", "Blk 123 Ang Mo Kio Ave 3", "Apt 5, 100 Main St", a letter's "Studio 5\nOak Lane".
_UNIT_LED = LazyPattern(
    rf"(?:{_UNIT_WORDS})\.?[ \t]*(?:No\.?[ \t]*)?#?[0-9][0-9A-Za-z/-]{{0,7}}(?:,?[ \t]+|[ \t]*,?[ \t]*\r?\n[ \t]*)"
    rf"(?:{_NUMBER},?[ \t]+)?(?:{_STREET_NAME}{_STREET_TAIL}|(?:{_PREFIX_TYPES})[ \t]+(?:{_CAP}[ \t]*){{1,3}})"
)
_UNIT_BEFORE = LazyPattern(rf"(?<![\w])(?:{_UNIT_WORDS})\.?[ \t]*(?:No\.?[ \t]*)?#?[ \t]*\Z")
_UNIT_BEFORE_REACH = 20
_INDIAN_UNITS = ("H.No", "H. No", "H No", "HNo", "House No", "Door No", "Plot No", "Shop No")
# A unit with no street after it ("H.No. 12-3-456, Banjara Hills, Hyderabad 500034"): kept only with a postcode line.
_UNIT_ONLY = re.compile(rf"(?:{_UNIT_WORDS})\.?[ \t]*(?:No\.?[ \t]*)?#?[0-9][0-9A-Za-z/-]{{0,9}}(?![\w])")
_DE_SUFFIX = r"stra(?:ße|sse)|str\.|weg|platz|allee|gasse|damm|ufer|chaussee|steig|pfad"
_DE_WORD = r"Stra(?:ße|sse)|Str\.|Weg|Platz|Allee|Gasse|Damm|Ring|Ufer|Markt|Steig|Pfad|Chaussee"
# The street name that ends right before a German house number: "Hauptstraße ", "Berliner Straße ",
# "Rosemarie-Gutknecht-Ring ". Glued "ring" (group "ring": "Kaiserring 3") is a street only when a postcode line
# follows: "Spring 2024" and "Bring 3" are far more common.
_GERMAN_NAME = LazyPattern(
    rf"(?:[A-ZÄÖÜ][\wäöüß-]*(?:{_DE_SUFFIX})|[A-ZÄÖÜ][\wäöüß.-]*[ \t-](?:{_DE_WORD})|(?P<ring>[A-ZÄÖÜ][\wäöüß]*ring))[ \t]$"
)
# Capitalised words (no digits) and the small words between them, ending right before a house number: "Am Weinberg ",
# "Unter den Linden ".
_NAME_BEFORE = LazyPattern(r"[A-ZÄÖÜ][a-zäöüß.-]+(?:[ \t]+(?:[A-ZÄÖÜ][a-zäöüß.-]+|den|der|dem|am|im|zum|zur|an|auf)){0,3}[ \t]$")
_GERMAN_SPEAKING = frozenset({"DE", "AT", "CH"})
#: Words before a number that make it a part of a document, not a house number ("Kapitel 3, 12345 Wörter").
_NOT_GERMAN_STREET = frozenset("kapitel seite abschnitt absatz artikel band teil nr nummer punkt schritt version chapter page section".split())
# House numbers as Indian addresses also write them, before a comma: "B-702, ...", "#402, ...", "188-B, ..." (an
# address only when a town and PIN line follows).
# Led by the "-" or "#" every form holds (sre skips to it in C; a lookbehind first would be tried at every
# character); ``_house_forms`` finds where each starts.
_HOUSE_FORMS = re.compile(r"[-#](?:(?<![\w/#-]#)\d{1,4}|(?<=[A-Z]-)(?<![\w/#-][A-Z]-)\d{1,4}|(?<=\d-)[A-Z])(?=,[ \t]{1,3}[A-ZÀ-ÖØ-Þ])")
_HOUSE_DIGITS = re.compile(r"(?<![\w/#-])\d{1,4}-\Z")
_HOUSE_LEAD = 2
_PO_BOX = re.compile(r"P\.?[ \t]?O\.?[ \t]?Box[ \t]+\d{1,8}|PO BOX[ \t]+\d{1,8}|Post Office Box[ \t]+\d{1,8}|Postfach[ \t]+\d[\d ]{0,10}\d")

# Scanning near digits only. Every match of ``_NUMBERED``, ``_UNIT_ONLY`` and ``_PO_BOX`` holds a digit, and before
# its first digit only a few characters besides runs of blanks. In a text with no run of blanks longer than
# ``_BLANKS`` (no tab, no ``_LONG_GAP``) a match therefore starts at most a fixed lead before one of the index's
# digit windows (those the pattern rows use: already built), and the rest of the text is not scanned at all. A
# window ends at its last digit and the next starts more than 48 characters on (``context._DIGIT_CLUSTER_GAP``),
# so scanning ``_READ`` characters past a window's end reads all a match whose digit lies in it reads (10 for a
# unit, 11 for a Postfach) and no digit of the next window. No digit lies between a match's start and its first
# digit, so no match found in a later window starts before one found in an earlier one (``scanning.scan_widened``).
_BLANKS = 33
_LONG_GAP = " " * (_BLANKS + 1)
_READ = 16
_UNIT_LEAD = len("Apartment.No.#") + 2 * _BLANKS - DIGIT_LEAD
_PO_LEAD = len("Post Office Box") + _BLANKS - DIGIT_LEAD
_NUMBER_READ = 64

_SEP = r"(?:[ \t]*,[ \t]*(?:\r?\n[ \t]*)?|[ \t]*\r?\n[ \t]*|[ \t]+)"
# US military mail: "PSC 1234, Box 5678, APO AE 09001", "USNS Comfort, FPO AA 34001", "Unit 2050 Box 4190, DPO AP
# 96522". Only texts holding the word "APO", "FPO" or "DPO" are searched (the index's word set answers).
_MILITARY_WORDS = frozenset({"apo", "fpo", "dpo"})
_MILITARY = LazyPattern(
    rf"(?<![\w-])(?:(?:PSC|CMR|Unit)[ \t]+\d{{1,5}},?[ \t]+Box[ \t]+\d{{1,5}}|(?:USNS|USS|USNV|USCGC)[ \t]+{_CAP}(?:[ \t]+{_CAP})?)"
    rf"{_SEP}[AFD]PO[ \t]+A[AEP][ \t]+\d{{5}}(?:-\d{{4}})?(?![\w])"
)
# Up to three capitalised words, with the small words of place names between them ("Frankfurt am Main",
# "Neunburg vorm Wald", "Newcastle upon Tyne").
_TOWN = rf"{_CAP}(?:[ \t]+(?:(?:am|an der|an|auf|bei|im|in|ob|vorm|vor|upon|on|sur|de|del|la|le)[ \t]+)?{_CAP}){{0,2}}"
_US_STATE = (
    r"A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|"
    r"W[AIVY]|AS|FM|GU|MH|MP|PR|PW|VI|A[AEP]"  # territories, freely associated states, military mail
)
_UK_POSTCODE = r"(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRV-Y\d]?) ?\d[ABD-HJLNP-UW-Z]{2})"
# A town after a German, Austrian or Swiss postcode: words one blank apart, no sentence's full stop ("1060 Wien.
# Falls", "8008 Zürich  Sehr geehrte"), "am"/"im"/"an der" between ("Frankfurt am Main", "Freiburg im Breisgau").
_PLZ_TOWN = r"[A-ZÄÖÜ][^\W\d_]*(?:-[A-ZÄÖÜ][^\W\d_]*)*(?:[ \t](?:(?:am|an der|im|in|ob|vorm|vor|bei)[ \t])?(?:[A-ZÄÖÜ][^\W\d_]*|\([A-ZÄÖÜ][^\W\d_]*\))){0,2}"
# Ireland's Eircode: a routing key ("D03", "T12", "D6W") and a four-character unique identifier ("W8X2").
_EIRCODE = r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W)[ \t]?[0-9AC-FHKNPRTV-Y]{4}"
_CA_PROVINCE = r"AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT"
_AU_STATE = r"NSW|VIC|QLD|TAS|ACT|SA|WA|NT"
_CA_POSTCODE = r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ \t]?\d[ABCEGHJ-NPRSTV-Z]\d"
_COUNTRY = r"USA|U\.S\.A\.|United States(?: of America)?|UK|United Kingdom|Germany|Deutschland|India|Singapore|Malaysia"
_UNIT = LazyPattern(
    rf"(?:[ \t]*,?[ \t]*(?:(?:{_UNIT_WORDS}|Floor|Fl|Level|Lvl|Bldg|Building)\.?[ \t]*(?:No\.?[ \t]*)?#?[0-9A-Za-z][0-9A-Za-z-]{{0,5}}"
    rf"|#[ \t]?\d{{1,3}}-\d{{1,5}}[A-Z]?|#[ \t]?\d{{1,5}}|\d{{1,2}}\.[ \t]?(?:OG|Stock|Etage|EG|DG)(?:[ \t]+(?:rechts|links|Mitte))?))+(?![\w])"
)
# A town + postcode line valid somewhere: an optional town (and state or district), then a US state + ZIP, a UK
# postcode, "PIN 560001" or a bare six-digit code (group "six": India, Singapore); or a German PLZ + town.
_TERMINAL = LazyPattern(
    rf"{_SEP}(?:(?:{_TOWN}(?:[ \t]*,[ \t]*{_TOWN}|[ \t]*\({_TOWN}\))?[ \t]*[-–,]?{_SEP}?)?(?:"
    rf"(?:{_US_STATE})[ \t]+\d{{5}}(?:-\d{{4}})?"
    rf"|(?:{_AU_STATE})[ \t]+\d{{4}}"
    rf"|(?:(?:{_CA_PROVINCE})[ \t]+)?{_CA_POSTCODE}"
    rf"|{_UK_POSTCODE}|{_EIRCODE}"
    rf"|Singapore[ \t]*\d{{6}}|S[ \t]?\(\d{{6}}\)"
    rf"|(?:PIN|Pin|PIN Code|Pin Code|Pincode)[ \t]*:?[ \t]*[1-9]\d{{2}}[ \t]?\d{{3}}"
    rf"|(?P<six>[1-9]\d{{2}}[ \t]?\d{{3}}))"
    rf"|(?:D-|A-|CH-)?\d{{4,5}}[ \t]+{_PLZ_TOWN}|\d{{4}}[ \t]?[A-Z]{{2}}[ \t]+{_PLZ_TOWN})(?![\w])"
)
_TOWN_ONLY = LazyPattern(rf"[ \t]*,[ \t]*(?P<town>{_TOWN})(?=[ \t]*(?:[.;)\n\"'|]|$))")
# A line or comma-separated part between street and town: a district, a sector, or a building's name with its
# number ("One Raffles Place Tower 2").
_LOCALITY = LazyPattern(
    rf"{_SEP}(?:{_CAP}(?:[ \t]+{_CAP}){{0,4}}(?:[ \t]+\d{{1,3}}[A-Z]?)?|Sector[ \t]+\d{{1,3}}(?:-?[A-Z])?|Phase[ \t]+\d{{1,2}}|{_ORDINAL}[ \t]+(?:Cross|Main|Floor))"
    rf"(?=[ \t]*,|[ \t]*\r?\n)"
)
# Where an address's last part may end without a postcode: the line, the sentence, a quoted string or a cell.
_CELL_COMMA = re.compile(r"[ \t]*,(?![ \t\r\n])")  # "1187 Peachtree St NE,Atlanta,GA": CSV cells, not one address
_PART_END = re.compile(r"[ \t]*(?:[.;)\r\n\"'|]|\Z)")
# A part before a street, back to a flat or unit: "Flat 4B, Sree Lakshmi Residency, " before "22 Kalakshetra Road",
# "Flat B, 12/F, Wing On Mansion, " before "88 Nathan Road". Only a run of parts that starts with a unit counts.
_UNIT_PART = (rf"(?:(?:{_UNIT_WORDS}|Lot|Level|Floor|Tower|Wing)\.?[ \t]*(?:No\.?[ \t]*)?#?[0-9A-Za-z][0-9A-Za-z/-]{{0,5}}"
              rf"(?:[ \t]+(?:Tower|Block|Wing)[ \t]+[0-9A-Z]{{1,4}})?|\d{{1,2}}/F)")
_PART_BEFORE = LazyPattern(rf"(?<![\w/-])(?:(?P<unit>{_UNIT_PART})|{_CAP}(?:[ \t]+{_CAP}){{0,3}}(?:[ \t]+\d{{1,3}}[A-Z]?)?)[ \t]*,[ \t]*\Z")
_PART_REACH = 48
_PARTS_BEFORE = 4
_COUNTRY_TAIL = LazyPattern(rf"{_SEP}(?:{_COUNTRY})(?![\w])")

# Cues that make whatever follows an address when it ends in a postcode.
_CUES = (
    "address is", "lives at", "living at", "resides at", "residing at", "ship to", "shipping to", "deliver to",
    "delivery to", "send to", "mail to", "located at", "wohnhaft in", "wohnhaft", "premises at", "moved out of",
    # where someone lives in other languages (English verbs such as "live at" stand in most prose, and each cue
    # whose first word a text holds costs a search of it)
    "habite au", "vivo en", "vive en", "abito in", "woon op", "woont op", "woon aan", "wohne in", "wohnt in", "bor på",
    "nakatira sa", "tinggal di", "mieszkam w", "mieszka w",
)
# Address labels, however a form qualifies them up to the colon or dash: "Address:", "Residential Address :",
# "Address in old passport:", "present addr (my flat):", "Delivery address entered:", 'address":', "Adresse - ".
_LABEL_WORDS = ("address", "addr", "adresse", "anschrift", "alamat", "dirección", "direccion", "indirizzo", "adres", "domicilio",
                "adress", "adresa", "morada", "endereço", "premises", "residence", "wohnh")
_LABEL_TAIL = re.compile(r"(?P<qualified>[^\n:\d\"=]{0,30}?)[ \t]*(?:\"?:|(?<=[ \t])[-–](?=[ \t]))")
#: Each cue by its first word, the whole word before ":" or " ": ``TextIndex.spans`` of these words (shared word
#: set, ``str.find`` only for words present) finds every cue occurrence not preceded by a letter or digit, where
#: seventeen ``str.find`` passes over the text cost more than the rest of the recognizer on prose.
_CUES_BY_WORD: dict[str, tuple[str, ...]] = {word: () for word in _LABEL_WORDS}
for _cue in _CUES:
    _word = re.match("[a-z]+", _cue).group()
    _CUES_BY_WORD[_word] = (*_CUES_BY_WORD.get(_word, ()), _cue)
_CUE_WORDS = tuple(_CUES_BY_WORD)
# Blanks, a colon and a line break after a cue: where its value starts at the latest.
_CUE_GAP = re.compile(r"[ \t]*:?[ \t]*(?:\r?\n[ \t]*)?")
# A cued value ends in a postcode with a digit among its first five characters, after at most 100 characters and
# two lines of 60: with no digit that near (prose: "send tough ..."), ``_CUED_VALUE`` is neither tried nor compiled.
_CUED_REACH = 140 + 2 * 61 + 5
_DIGIT = re.compile(r"[^\x00-\x2f\x3a-\x7f](?<=\d)")
_POSTCODE_END = (rf"(?:(?<![A-Z]{{2}}[ \t])\b\d{{4,5}}[ \t]+{_PLZ_TOWN}|\b\d{{5}}(?:-\d{{4}})?|\b[1-9]\d{{2}}[ \t]?\d{{3}}|\b{_UK_POSTCODE}"
                 rf"|\b{_CA_POSTCODE}))(?![\w])")
_SENTENCE_GOES_ON = r"(?!\.(?<=[a-z]{4}\.)[ \t]+[A-Z])"
# A quoted value ('"address": "..."') ends at its quote; an unquoted one may hold quotes (a house's name: 'No. 9,
# "Sumukha", 3rd Main'), but is no JSON object or array, and a list's "1) " before it is not its own.
_CUED_VALUE = LazyPattern(
    rf"[ \t]*+[:=-]?[ \t]*+(?:[\"'](?:\r?\n[ \t]*)?(?P<q>(?:{_SENTENCE_GOES_ON}[^\n\"]){{0,140}}?"
    rf"{_POSTCODE_END}|(?![\"'{{\[])(?:\r?\n[ \t]*)?(?:\d[).][ \t]+)?(?P<v>(?:{_SENTENCE_GOES_ON}[^\n]){{0,140}}?(?:\n(?:{_SENTENCE_GOES_ON}[^\n]){{2,60}}?){{0,2}}{_POSTCODE_END})"
)
#: Words that, before a street type, make a product or a phrase instead ("2 Hard Drive", "3 Test Drive").
_NOT_STREET = frozenset("hard flash usb disk thumb external google test memory cloud one share network solid state".split())
#: "IP address:", "e-mail address is": cues for other kinds of address.
_NOT_POSTAL = frozenset("ip ipv4 ipv6 mac email e-mail web wallet memory server hardware ethernet bitcoin bluetooth return".split())
_SIX_DIGIT_COUNTRIES = frozenset({"IN", "SG"})
# Street-first addresses (``AddressRecognizer._street_first``): a comma, then a postcode of four or five digits
# (the Netherlands' with two letters) and a capitalised town; led by the comma, so sre skips to commas in C.
_POSTCODE_LINE = re.compile(r",[ \t]+(?=(?:[A-Z]{1,2}-)?\d{4,5}(?:[ \t]?[A-Z]{2})?[ \t]+[A-ZÀ-ÖØ-Þ])")
# Right before it: the street, its house number ("52", "154-bis", "17-2", "211-A", "63/5") and what Spanish and
# Italian addresses put after that ("4º A", "3º izq.", "scala B, interno 7", "pta. 9", "App. 5.12").
_STREET_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|C/|[IVX]{1,4}|de|del|della|delle|dei|di|da|do|dos|das|du|des|la|le|les|van|von|der|den|het|ter|y|e)"
_HOUSE_NUMBER = r"\d{1,3}[a-zA-Z]?(?:[-/](?:\d{1,3}[a-zA-Z]?|bis|ter|[A-Z]))?"  # not four digits: "Im Jahr 2023, 50000 Kunden"
_FLOOR = r"(?:,[ \t]*(?:\d{1,2}[º°ª]?\.?[ \t]*(?:[A-Z]|izq\.?|dcha\.?|piso)?|(?:scala|interno|int\.|pta\.|puerta|piso|app\.|apt\.|bus)[ \t]*[\w.]{1,6}))"
_STREET_BEFORE = LazyPattern(
    rf"(?<![\w.])(?:(?:{_STREET_WORD}[ \t]+){{0,4}}(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|[IVX]{{1,4}})[ \t]+{_HOUSE_NUMBER}"
    rf"|\d{{1,3}}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?:rue|avenue|av\.|boulevard|bd|impasse|allée|chemin|place|quai|cours|route)"
    rf"(?:[ \t]+(?:{_STREET_WORD}|d'|l'))+){_FLOOR}{{0,2}}$"
)
_STREET_REACH = 72
# A month before the "house number": "Dec 21, 2024  AC 1052" is a date and a year, not a street and a postcode.
_DATED = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    r"september|october|november|december|januar|februar|märz|juni|juli|oktober|dezember|janvier|février|mars|avril|mai|"
    r"juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    r"septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    r"januari|februari|maart|mei|augustus)\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?$")  # (Dutch "oktober" is German's)


class AddressRecognizer:
    name = "addresses"
    entity_types = frozenset({"ADDRESS"})

    def __init__(self, country: str | None = None, names: NameRecognizer | None = None) -> None:
        """``names``: where NAME is enabled, the name recognizer that judges the name heading an address."""
        self.country = (country or "").upper()
        self._names = names
        self._german_score = 0.9 if self.country in _GERMAN_SPEAKING else 0.8

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        found: list[Finding] = []
        windows = cues.digit_windows() if cues is not None and "\t" not in text and _LONG_GAP not in text else None
        # A bare score of 0 makes an anchor an address only when a postcode line follows it (``_grow``).
        for match in _numbered(text, windows, _NUMBER_START_DE if self.country in _GERMAN_SPEAKING else _NUMBER_START):
            if match.group("plz") is not None:
                if self.country not in _GERMAN_SPEAKING:
                    continue
                name = _NAME_BEFORE.search(text, max(0, match.start() - 48), match.start())
                if name and (not name.start() or not text[name.start() - 1].isalnum()) and name.group().split()[-1].lower() not in _NOT_GERMAN_STREET:
                    found.append(self._grow(text, name.start(), match.end(), 0.0, self._german_score))
            elif match.group("house") is not None:
                # "Room 4, Oxford": the number belongs to a unit (the unit scan below has it)
                if not _UNIT_BEFORE.search(text, max(0, match.start() - _UNIT_BEFORE_REACH), match.start()):
                    found.append(self._grow(text, match.start(), match.end(), 0.0, 0.85, six_digit=True))
            elif match.group("de") is None:
                if _street_words_ok(match.group()):
                    found.append(self._grow(text, match.start(), match.end(), _bare(match, 0.75), 0.9, six_digit=True))
                continue
            name = _GERMAN_NAME.search(text, max(0, match.start() - 48), match.start())
            if name and (not name.start() or not text[name.start() - 1].isalnum()):
                bare = 0.0 if name.group("ring") else self._german_score - 0.1
                found.append(self._grow(text, name.start(), match.end(), bare, self._german_score))
        if ", " in text:
            found.extend(self._street_first(text))
        for match in scan_widened(_UNIT_ONLY, text, windows, _UNIT_LEAD, _READ):
            street = _UNIT_LED.match(text, match.start())
            if street and _street_words_ok(street.group()):
                found.append(self._grow(text, street.start(), street.end(), _bare(street, 0.75), 0.9, six_digit=True))
            else:  # a unit with no street: an address only when a postcode line follows
                indian = match.group().startswith(_INDIAN_UNITS)
                found.append(self._grow(text, match.start(), match.end(), 0.0, 0.85, six_digit=indian))
        for start, end in _house_forms(text, windows):
            found.append(self._grow(text, start, end, 0.0, 0.85, six_digit=True))
        for match in scan_widened(_PO_BOX, text, windows, _PO_LEAD, _READ):
            found.append(self._grow(text, match.start(), match.end(), 0.8, 0.9))
        if _military_mail(text, cues):
            found.extend(Finding("ADDRESS", *m.span(), 0.9, False, self.name) for m in _MILITARY.finditer(text))
        found.extend(self._cued(text, cues))
        found = [f for f in found if f.score]
        # Overlaps (a unit-led match inside a numbered one, a cue around a street) keep the longest, then the best.
        found.sort(key=lambda f: (-(f.end - f.start), -f.score, f.start))
        for address in sorted(first_disjoint(found), key=lambda f: f.start):
            start = _premises_start(text, address.start)
            if start < address.start:
                address = Finding("ADDRESS", start, address.end, address.score, False, self.name)
            addressee = self._names.addressee(text, address.start) if self._names is not None else None
            if addressee is not None:
                yield addressee
            yield address

    def _grow(self, text: str, start: int, end: int, bare_score: float, full_score: float, six_digit: bool = False) -> Finding:
        """Extend a street anchor right over units, localities, town/postcode and country. With ``six_digit`` (after
        a numbered street or an Indian house number), a six-digit code ending the town line is a postcode in any
        country (India's PIN, Singapore's, Russia's, China's); after another unit or a cue alone it takes the
        country's rule (``_six_digit_ok``)."""
        unit = _UNIT.match(text, end)
        if unit:
            end = unit.end()
        pos, score = end, bare_score
        for localities in range(4):
            terminal = _TERMINAL.match(text, pos)
            # A six-digit code after a unit and a locality or more is a PIN as well ("Flat 9, Ganga Apartments,
            # Aundh, Pune 411007").
            if terminal and (six_digit or localities or not terminal.group("six") or self._six_digit_ok(terminal.group())):
                end, score = terminal.end(), full_score
                country = _COUNTRY_TAIL.match(text, end)
                end = country.end() if country else end
                break
            locality = _LOCALITY.match(text, pos)
            if not locality:
                break
            pos = locality.end()
        if score == bare_score and bare_score:
            # No postcode: the localities and a town that end the line, sentence or string ("88 Nathan Road, Tsim Sha
            # Tsui, Kowloon").
            for at in (pos, end) if pos > end and not _CELL_COMMA.match(text, end) else (end,):
                town = _TOWN_ONLY.match(text, at)
                tail = town.end() if town and not _common_town(town.group("town")) else at
                if tail > end and _PART_END.match(text, tail) and not _common_town(text[end:tail].strip(" \t,")):
                    end, score = tail, bare_score + 0.05
                    break
        while text[end - 1] in " \t.,":  # "..., Sydney." ends the sentence, not the address
            end -= 1
        return Finding("ADDRESS", start, end, round(score, 2), False, self.name)

    def _street_first(self, text: str) -> Iterator[Finding]:
        """Addresses as most of Europe writes them, the house number after the street and then a postcode and town
        ("Via Nizza 52, 10126 Torino", "Calle Mayor 17, 3º izq., 50001 Zaragoza", "Koningslaan 88, 3583 GP Utrecht",
        "15 rue Paul Bert, 35000 Rennes"): found from the postcode line, the street looked for right before it."""
        for line in _POSTCODE_LINE.finditer(text):
            street = _STREET_BEFORE.search(text, max(0, line.start() - _STREET_REACH), line.start())
            if street is not None and street.group().split()[0].lower() not in _NOT_GERMAN_STREET and not _DATED.search(street.group()):
                yield self._grow(text, street.start(), line.start(), 0.0, self._german_score)

    def _six_digit_ok(self, line: str) -> bool:
        return self.country in _SIX_DIGIT_COUNTRIES or bool(re.search(r"India|Singapore", line))

    def _cued(self, text: str, cues: TextIndex | None) -> Iterator[Finding]:
        # The index's lower-cased copy when it has one (the same string): lower-casing 4 KB again is not free.
        if cues is not None and cues.lower is not None:
            lowered = cues.lower
            starts, ends, _ = cues.spans(_CUE_WORDS)
            words = list(zip(starts, ends))
            found = [(at, at + len(cue), False) for at, end in words for cue in _CUES_BY_WORD[lowered[at:end]] if lowered.startswith(cue, at)]
        else:
            lowered = text.lower()
            words = [(at, at + len(word)) for word in _LABEL_WORDS for at in occurrences(lowered, word)]
            found = [(at, at + len(cue), False) for cue in _CUES for at in occurrences(lowered, cue)]
        for at, end in words:
            if lowered[at:end] in _LABEL_WORDS and not lowered[end:end + 1].isalnum() and (label := _LABEL_TAIL.match(text, end)):
                found.append((at, label.end(), bool(label.group("qualified").strip())))
        for at, start, qualified in found:
            before = lowered[max(0, at - 12):at].split()
            if (not at or not lowered[at - 1].isalnum()) and not (before and before[-1] in _NOT_POSTAL):
                if not _DIGIT.search(text, start, _CUE_GAP.match(text, start).end() + _CUED_REACH):
                    continue
                value = _CUED_VALUE.match(text, start)
                group = "v" if value and value.group("v") is not None else "q"
                # After a qualified label ("Address the issue:"), only a value of several parts, as addresses are.
                if value and (not qualified or "," in value.group(group) or "\n" in value.group(group)):
                    yield self._grow(text, *value.span(group), 0.75, 0.75)


def _numbered(text: str, windows: list[tuple[int, int]] | None, start_pattern: re.Pattern[str] = _NUMBER_START) -> Iterator[re.Match[str]]:
    """``_NUMBERED.finditer(text)``, tried only where ``_NUMBER_START`` finds a start: in the digit windows when
    there are any (scanned ``_NUMBER_READ`` past their end, all it reads), else in the whole text."""
    if windows is None:
        starts: Iterator[re.Match[str]] = start_pattern.finditer(text)
    else:
        starts = (start for lo, hi in windows for start in start_pattern.finditer(text, lo, hi + _NUMBER_READ) if start.start() < hi)
    resume = 0
    for start in starts:
        at = start.start()
        if at >= resume:
            match = _NUMBERED.match(text, at)
            if match:
                resume = match.end()
                yield match


def _house_forms(text: str, windows: list[tuple[int, int]] | None) -> Iterator[tuple[int, int]]:
    """Spans of ``_HOUSE_FORMS``' house numbers: "#402", "B-702" (from the letter), "188-B" (from its digits)."""
    for match in scan_widened(_HOUSE_FORMS, text, windows, _HOUSE_LEAD, _READ):
        at = match.start()
        if text[at] == "#":
            yield at, match.end()
        elif match.group()[1].isdigit():
            yield at - 1, match.end()
        elif digits := _HOUSE_DIGITS.search(text, max(0, at - 4), at + 1):
            yield digits.start(), match.end()


def _military_mail(text: str, cues: TextIndex | None) -> bool:
    """Whether the text may hold US military mail: the index's word set has "apo", "fpo" or "dpo" (a set look-up
    where a search for "PO A" costs some 10,000 instructions on 4 KB)."""
    if cues is not None and cues.lower is not None:
        return not _MILITARY_WORDS.isdisjoint(cues.words())
    return "PO A" in text


def _bare(street: re.Match[str], score: float) -> float:
    """A street's score without a postcode line: none when its type is also a common word (``_WEAK_TYPES``)."""
    return 0.0 if street.group("weak") else score


def _street_words_ok(street: str) -> bool:
    """False for "2 Hard Drive" and similar: a product, not a street."""
    words = street.split()
    return len(words) < 3 or words[-2].lower().strip(",") not in _NOT_STREET


def _premises_start(text: str, start: int) -> int:
    """Where the flat, unit and building parts before an address's street begin ("Flat 7C, Block 3, Kornhill, "),
    or ``start`` when none lead up to it from a unit."""
    begin, pos = start, start
    if "," not in text[max(0, start - 3):start]:
        return start  # no part ends right before the street (most addresses)
    for _ in range(_PARTS_BEFORE):
        part = _PART_BEFORE.search(text, max(0, pos - _PART_REACH), pos)
        if part is None:
            break
        pos = part.start()
        if part.group("unit"):
            begin = pos
    return begin


def _common_town(town: str) -> bool:
    return town.split()[0].lower() in ("thanks", "thank", "please", "regards", "best", "cheers", "and", "or", "the")
