"""Structured identifiers: one table row per pattern, with its validator and its context rule.

``needs_cue`` rows are reported only with a whole-word cue nearby (bank accounts, passports, driver licences,
MRNs, dates of birth): a bare digit run is not PII without one. Validated rows report ``validated=True``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator

from cloakr.pii import validators as v
from cloakr.pii.context import AFTER_STOPS, DIGIT_LEAD, THIS_YEAR, TextIndex, cue_pattern, intersect
from cloakr.pii.lexicons import load
from cloakr.pii.model import Finding
from cloakr.pii.scanning import MARGIN, fast_form, scan

# Month names and their abbreviations in English and German ("März", "Mai", "Okt.", "Dez."), and in the other
# languages of the regions' customers: French ("août", "fév."), Spanish, Italian, Portuguese, Dutch, Indonesian.
_MONTH = (r"(?:jan|feb|mar|mär|apr|may|mai|jun|jul|aug|sep|sept|oct|okt|nov|dec|dez|ene|abr|ago|agu|dic|gen|giu|lug|set|ott"
          r"|des|mei|avr|aoû|aou|fév|fev|déc|juil)[a-zéû]{0,6}\.?")
DATE_PLAIN = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)?\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|\.)?(?: of)? {_MONTH},? (?:19|20)\d{{2}}|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)\d{{2}}"
    rf"|\d{{1,2}}-{_MONTH}-(?:19|20)?\d{{2}})"
)
# A date's first digit lies at most a month name (``_MONTH``: "sept" and six more letters and a dot) and a space
# into it.
DATE_DIGIT_LEAD = 12
# Every date starts with a digit or with a month's first two letters: sre, which cannot skip ahead through a
# case-insensitive alternation, then tries the five branches only where one can begin (about 3x faster in prose).
# No non-ASCII letter in a class here: "[a-zä]" made the row 9% of a mixed prompt's instructions dearer.
DATE = rf"(?=\d|[adfjmnos][aceopuk]|mä|en|ab|ag|di|ge|gi|lu|ot|av|fé|dé){DATE_PLAIN}"


@dataclass(frozen=True)
class PatternSpec:
    type: str
    regex: str
    score: float
    validator: Callable[[str], bool] | None = None
    cues: tuple[str, ...] = ()
    needs_cue: bool = False
    # Score with a cue (validated or not); without one, ``score`` applies (if the row does not need a cue).
    cue_score: float = 0.95
    flags: int = 0
    # A check that rejects a candidate outright (a hard negative), beyond the validator.
    reject: Callable[[str, str, int], bool] | None = None
    # How far before the value a cue may stand; labels such as "DL:" sit right before their value.
    window: int = 48
    # Where the regex needs to run. Scanning every position of every text with forty regexes is most of the cost
    # of detection, and most positions cannot start a match:
    # - ``anchors``: lower-case literals every match contains, at most ``anchor_reach`` characters after its start
    #   (a label word, "@", "http"): only the stretches just before each occurrence are scanned;
    # - ``digit``: every match holds a digit within ``digit_lead`` characters of its start: only the
    #   stretches around digit clusters are scanned (prose has few); a row with anchors as well uses them instead
    #   when digits are everywhere. With ``digit_lead=None`` a digit is only known to lie somewhere at or after the
    #   start (a lookahead's ``[A-Z0-9-]*\d``, a label's ``\s*`` before the value): only a text without any digit is
    #   skipped. tests/unit/pii/test_patterns_speed.py checks both claims against sre's parse tree;
    # - ``needs_cue`` rows are scanned only near their cues; with ``digit``, only where a cue's window and a digit
    #   window meet, and not at all in a text without digits. Other rows scan the whole text.
    # - ``words``: runs of lower-case ASCII letters, one of which every match holds as a whole run (no ASCII letter
    #   on either side: "user" in "User: x", "year" in "5-years-old"): a text whose word set (``TextIndex.words``,
    #   built once per text for the cues) has none of them has no match, and the row skips its anchors'
    #   ``str.find`` passes (15-40k instructions each on a 4 KB prompt) and its digit-window scan.
    anchors: tuple[str, ...] = ()
    anchor_reach: int = 0
    # A regex every match holds at an anchor (matched there): for rows whose literal (":", "-") is everywhere in
    # forms and logs, but whose shape around it ("hex:hex:") is rare.
    anchor_shape: str | None = None
    words: tuple[str, ...] = ()
    digit: bool = False
    # With ``digit``: how far into a match its first digit may lie (a VIN's only digit may be its last character);
    # None: no bound.
    digit_lead: int | None = DIGIT_LEAD
    # The longest match (None: unbounded), so a windowed scan reads far enough past a window (``scanning.scan``),
    # and a value cued from after it is looked for far enough before its cue. A row's own bound (its regex's widest
    # match, which tests/unit/pii/test_patterns_speed.py checks against sre's parser) keeps both scans short.
    longest: int | None = MARGIN


AGE_YEARS_OLD = r"(?P<v>\d(?<!\w[\s\S])\d{0,2})(?i:\s{0,8}(?:-|\s)?(?:years?|yrs?)(?:-|\s)old\b|\s{0,8}(?:y/o|yo)\b)"
# What follows each of the row's anchors in a match of AGE_YEARS_OLD, from the anchor on.
AGE_ANCHOR_SHAPE = r"(?i:(?:years?|yrs?)(?:-|\s)old\b|(?:y/o|yo)\b)"


_VERSION_WORD = re.compile(r"(?:\bv|version|release|build|ver\.?|firmware|\bfw|bios)\s*$")


def _after_version_word(text: str, value: str, start: int) -> bool:
    before = text[max(0, start - 12):start].lower()
    return _VERSION_WORD.search(before) is not None


def _after_passport_cue(text: str, value: str, start: int) -> bool:
    """A passport cue just before the value: "passport G95755131" is a passport number that happens to pass the DEA
    check digit (one in ten letter-and-eight-digit numbers does)."""
    return cue_pattern(PASSPORT_CUES).search(text, max(0, start - 24), start) is not None


def _ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _ipv4(value: str) -> bool:
    """``_ip`` for the dotted-quad row: four ASCII decimal octets, each at most 255 and without a leading zero
    (``ipaddress``'s rules) are accepted without building an address object; anything else is left to ``_ip``."""
    parts = value.split(".")
    if len(parts) == 4 and value.isascii():
        for part in parts:
            if not part.isdigit() or len(part) > 3 or (part[0] == "0" and part != "0") or int(part) > 255:
                return _ip(value)
        return True
    return _ip(value)


def _ipv6(value: str) -> bool:
    return value.count(":") >= 2 and _ip(value)


# What the US row takes (a letter and eight digits, or nine digits). Other countries' numbers mix letters and at
# least five digits without a run of four letters: "J8369854" (India), "K1234567A" (Singapore), "AB123456" (Canada),
# "12AB34567" (France); never a word or code with a number ("COVID19", "USD130"). Germany's ("C01X00T47") may have
# fewer digits and such a run: its own shape is checked instead.
_US_PASSPORT = re.compile(r"[A-Z]?\d{8,9}")
_LETTER_RUN = re.compile(r"[A-Z]{4}")
_LETTER_TRIPLE = re.compile(r"[A-Z]{3}")
# Germany's: an authority letter and three digits, then five serial characters of an alphabet without vowels.
_GERMAN_PASSPORT = re.compile(r"[CFGHJK]\d{3}[CFGHJKLMNPRTVWXYZ0-9]{5}")


def _other_passport(value: str) -> bool:
    """Germany's shape, or mostly digits without a word's run of letters: five digits, or three in eight or nine
    characters with no three letters in a row (the Netherlands' "NW7K2LP84")."""
    if _US_PASSPORT.fullmatch(value):
        return False
    if _GERMAN_PASSPORT.fullmatch(value):
        return True
    digit_count = sum(c.isdigit() for c in value)
    if digit_count >= 5:
        return _LETTER_RUN.search(value) is None
    return len(value) >= 8 and digit_count >= 3 and _LETTER_TRIPLE.search(value) is None


def _has_digit(value: str) -> bool:
    return any(ch.isdigit() for ch in value)


def _record_number(value: str) -> bool:
    """A record number holds a digit and is no date ("Admitted 01/02/2024" near "chart")."""
    return any(c.isdigit() for c in value) and _DATE_SHAPE.fullmatch(value) is None


_DATE_SHAPE = re.compile(r"\d{1,4}[-/]\d{1,2}[-/]\d{1,4}")


def _plate(value: str) -> bool:
    """A plate holds letters and digits ("7ABC123", "B-MK 1234") or five digits at least ("661318"): "issued
    02/11/2024" and "2:15 PM" near "plate" are a year and a time."""
    digits = sum(c.isdigit() for c in value)
    return digits > 0 and (digits >= 5 or any(c.isalpha() for c in value)) and not _TIME_OF_DAY.search(value)


_TIME_OF_DAY = re.compile(r"\d ?[AP]M$")


def _amount(text: str, value: str, start: int) -> bool:
    """Digits with a currency beside them ("Månadsinkomst: 42 300 kr", "€ 1 250"): a sum, not a plate."""
    if not value.replace(" ", "").isdigit():
        return False
    return _CURRENCY_AFTER.match(text, start + len(value)) is not None or _CURRENCY_BEFORE.search(text, max(0, start - 5), start) is not None


_CURRENCY_AFTER = re.compile(r"[ \t]?(?:kr\b|kr\.|sek\b|nok\b|dkk\b|eur\b|€|\$|usd\b|£|gbp\b|zł|pln\b|chf\b|inr\b|₹|rs\b)", re.IGNORECASE)
_CURRENCY_BEFORE = re.compile(r"(?:€|\$|£|₹|rs\.?|inr|eur|usd|gbp|chf|sek)[ \t]?\Z", re.IGNORECASE)


def _among_groups(text: str, value: str, start: int) -> bool:
    """Three groups of four inside a longer run of groups ("4716 2231 8840 1902", a card number that fails Luhn):
    no Aadhaar number. Checked on matches only; as lookarounds in the row, they cost every candidate digit."""
    end = start + len(value)
    return _GROUP_BEFORE.search(text, max(0, start - 2), start) is not None or _GROUP_AFTER.match(text, end) is not None


_GROUP_BEFORE = re.compile(r"\d[ -]\Z")
_GROUP_AFTER = re.compile(r"[ -]\d")


def _range(text: str, value: str, start: int) -> bool:
    """Two numbers with a hyphen between ("range 185-215" after "mg/dL"): a range, not a licence."""
    return _NUMBER_RANGE.fullmatch(value) is not None


_NUMBER_RANGE = re.compile(r"\d{1,4}-\d{1,4}")


def _mixed_secret(value: str) -> bool:
    return any(c.islower() for c in value) and any(c.isupper() for c in value) and any(c.isdigit() for c in value)


def _in_uri_credentials(text: str, value: str, start: int) -> bool:
    """The tail of a connection URI's password and its host ("postgres://u:Sunfl0wer!Rides@pg-prod.example.com"),
    not an e-mail address: "://" earlier in the same token, then a user and ":" with no path between ("https://x.io/
    ?ref=jane@example.com" holds an address)."""
    token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), start - 300)
    scheme = text.rfind("://", token_start + 1, start)
    if scheme < 0:
        return False
    authority = text[scheme + 3:start]
    return ":" in authority and not any(c in authority for c in "/?#")


def _placeholder(text: str, value: str, start: int) -> bool:
    """A template's or a redaction's stand-in for the value: "${DB_USER}", "<password>", "{{ pw }}", "*****", "%s"."""
    return value[:1] in "$<{%*[(" or text[start - 1:start] in "<{" or set(value) <= set("*xX•.") or value.lower() in _STAND_INS


_STAND_INS = frozenset(("null", "none", "nil", "undefined", "changeme", "redacted", "hidden", "secret", "password", "string", "str", "true", "false"))


def _not_a_mention(text: str, value: str, start: int) -> bool:
    """An "@word" that is code: a decorator or annotation opening its line (" * @param", "/** @type", "# @x"), or a
    documentation or CSS keyword. Markdown's bold glued to it ("**@nidhi** wrote") is a mention's emphasis."""
    line = text[text.rfind("\n", 0, start) + 1:start - 1]
    head = line.strip()
    return (not head or set(head) <= _COMMENT_MARKS and line[-1] != "*" or head.endswith(("//", "-d", "--data", "--data-binary"))
            or value.lower() in _CODE_AT_WORDS or _FILE_NAME.search(value) is not None)


_COMMENT_MARKS = frozenset("/*#")


_CODE_AT_WORDS = frozenset("""param params return returns throws throw raises override deprecated since see author example
    version type types typedef property interface media import keyframes font-face charset supports layer apply tailwind
    page namespace container staticmethod classmethod dataclass pytest app component injectable input output todo fixme
    everyone here channel all""".split())
_FILE_NAME = re.compile(r"\.(?:json|txt|csv|xml|ya?ml|env|sh|py|js|ts|md|log|ini|cfg|conf|pem|key|crt|html?)$", re.IGNORECASE)


def _system_user(text: str, value: str, start: int) -> bool:
    """A placeholder, or an account every such system has ("root", "ubuntu", "postgres"): no one's username."""
    return _placeholder(text, value, start) or value.lower() in _SYSTEM_USERS or value.isdigit() or _UUID.fullmatch(value) is not None


_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")  # a record's id, not a login ("uid=", "UID:")
_SYSTEM_USERS = frozenset("""root ubuntu ec2-user admin administrator postgres mysql www-data nobody git deploy guest test
    centos debian fedora oracle sa pi user jenkins docker node app runner vagrant""".split())


def _not_a_handle(text: str, value: str, start: int) -> bool:
    """After "user"/"account" in a sentence, a word ("user reports", "account holder") or a system account.

    A handle with a digit, "_", ".", "-" or a domain ("noorelk_92", "renata.s", "FRA\\akowalski") always counts. One
    of letters alone counts where a config writes it (its key alone before it on the line, the line's end or a run of
    blanks after it: "    User tvanrijn") or where it spells an initial and a census surname ("hcarver", "rszabo")."""
    if _system_user(text, value, start):
        return True
    if not value.isalpha():
        return False
    if value in load("common_words.txt") or value in _HANDLE_WORDS:
        return True
    if "account" in text[max(0, start - 16):start].lower():
        return True  # "Account board", "account season": prose says "account" before any word
    end = start + len(value)
    key_alone = len(text[text.rfind("\n", 0, start) + 1:start].split()) == 1  # "    User tvanrijn"
    configured = key_alone and (end == len(text) or text.startswith(("  ", "\n", "\r", "\t"), end))
    initial_and_surname = len(value) > 4 and value[1:] in load("surnames_census1990.txt", "surnames_curated.txt")
    return not (configured or initial_and_surname)


# Words an initial and a census surname also spell ("a" + "gent") and no curated common word lists.
_HANDLE_WORDS = frozenset(("agent",))
#: Platforms people give a handle on ("find me on github as ...", "my venmo is ...").
_PLATFORMS = ("github", "gitlab", "bitbucket", "twitter", "instagram", "insta", "venmo", "cashapp", "telegram", "discord",
              "reddit", "tiktok", "mastodon", "bluesky", "skype", "snapchat", "kik", "paypal")


def _statistic(text: str, value: str, start: int) -> bool:
    """An age label qualified as a statistic ("Average age: 44", "mean patient age: 61", "Mediane leeftijd: 44
    jaar"): nobody's age."""
    return _STATISTIC.search(text, max(0, start - 32), start) is not None


def _not_born_yet(text: str, value: str, start: int) -> bool:
    """A date whose year has not come: "DOB 1995-04-18, exp 2031-11-20" reaches the passport's expiry, no birth."""
    year = _FULL_YEAR.search(value)
    return year is not None and int(year.group()) > THIS_YEAR


_FULL_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|\A(?:19|20)\d{2}(?=\d{4}\Z)")  # "2031-11-20", "20310101"
_STATISTIC = re.compile(r"(?i:median|mediane?|average|avg|mean|gemiddelde|durchschnitt\w*|moyen(?:ne)?|promedio|media|średni\w*)(?:\W+\w+){1,2}\W*$")


def _plain_word(text: str, value: str, start: int) -> bool:
    """After a platform's name, a word of prose ("github as well", "twitter is down") or no handle at all."""
    return _system_user(text, value, start) or value.isalpha() or not any(c.isalpha() for c in value)


def _route_word(text: str, value: str, start: int) -> bool:
    """A web route's own segment after "/u/" or "/profile/" ("me", "edit", "settings"), an id, a system account."""
    return _system_user(text, value, start) or value.lower() in _ROUTE_WORDS or value.lower() in load("common_words.txt") or not any(c.isalpha() for c in value)


def _branch_word(text: str, value: str, start: int) -> bool:
    """A branch's prefix where a merge names a branch, not an account ("from feature/login", "from release/2.3")."""
    return _route_word(text, value, start) or value.lower() in _BRANCH_WORDS


_BRANCH_WORDS = frozenset("feature features release releases hotfix bugfix fix develop dev main master chore docs refactor test".split())
_ROUTE_WORDS = frozenset("""me self current new edit update delete create settings preferences search list index view show
    details info avatar avatars photo photos picture following followers posts repos orgs admin login logout signup register
    account notifications security billing public private api v1 v2 v3 profile profiles u user users""".split())


def _password_like(value: str) -> bool:
    """A password written in a sentence: letters with a digit or a sign (a sentence's closing "." or "!" is none),
    and no key of its own ("attempted_password=")."""
    core = value.rstrip(".!?")
    return "=" not in value and any(c.isalpha() for c in core) and any(c.isdigit() or not c.isalnum() for c in core)


def _email_tld(value: str) -> bool:
    tld = value.rsplit(".", 1)[-1]
    return tld.isalpha() and 2 <= len(tld) <= 24 and not value.split("@")[1].startswith("-")


# What follows the first separator of every match, up to its end: the IPv6 row's lookahead, then a maximal run of
# hex digits and colons not followed by a word character or a colon (the row's end); the rest of a MAC address.
# A log's timestamp ("T10:00:36Z") has the first shape, but not what follows it.
IPV6_ANCHOR_SHAPE = r":[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]*+(?![\w:])"
# What follows "://" in a URI with a password: a user, ":", the password, "@" (most "://" are web links without).
URI_PASSWORD_SHAPE = r"://[^\s:/@]{0,64}:[^\s/]{1,128}@"
MAC_ANCHOR_SHAPE = r"([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}\b"
# The payment apps' UPI handles ("name@ybl", "name@okicici").
_UPI_HANDLES = (r"(?:ybl|ibl|axl|paytm|apl|upi|okicici|okhdfcbank|oksbi|okaxis|icici|sbi|hdfcbank|axisbank|kotak|yesbank|"
                r"freecharge|airtel|jio|postbank|waicici|wahdfcbank|wasbi|waaxis)")
# What the row checks at each "@" before scanning: the handles with "ok…" and "wa…" as prefixes, a superset that
# costs less at every e-mail's "@" than the full list.
_UPI_SHAPE = r"@(?:ybl|ibl|axl|paytm|apl|upi|ok[a-z]{3,8}|icici|sbi|hdfcbank|axisbank|kotak|yesbank|freecharge|airtel|jio|postbank|wa[a-z]{3,7})\b"
DRIVER_CUES = ("driver license", "driver's license", "drivers license", "driver licence", "driving licence", "driving license", "dl", "dl#",
               "license number", "licence number", "license no", "cdl", "cdl#", "commercial driver", "führerschein",
               "driver's licence", "drivers licence", "driver number", "führerscheinnummer", "führerschein-nr", "rijbewijs",
               "rijbewijsnr", "rijbewijsnummer", "permis de conduire", "permiso de conducir", "carnet de conducir", "patente",
               "licence no", "licence (dvla)", "dvla", "licence is", "license is", "körkort",
               "körkortsnummer", "prawo jazdy", "lic no")
VEHICLE_CUES = ("license plate", "licence plate", "number plate", "plate", "registration", "reg", "regn", "vehicle", "car",
                "challan", "taxi", "driver", "lorry", "cab", "rego")
DOB_CUES = ("dob", "d.o.b", "b.", "date of birth", "birth date", "birthdate", "born", "born on", "birthday", "bday", "b'day",
            "geburtsdatum", "geb", "geboren", "date de naissance", "né le", "née le", "fecha de nacimiento", "f. nac",
            "f. nacimiento", "nacimiento", "data di nascita", "nato il", "nata il", "nato a", "nata a", "geboortedatum",
            "geboren op", "data urodzenia", "urodzony", "urodzona", "född", "födelsedatum", "født", "fødselsdato",
            "tgl lahir", "tgl. lahir", "tanggal lahir", "data de nascimento", "nascido em", "nascida em", "nacido el",
            "nacida el")
PASSPORT_CUES = ("passport", "passport number", "passport no", "reisepass", "reisepassnummer", "passeport", "pasaporte", "paspoort",
                 "passaporto", "passnummer", "paszport", "paszportu", "paspor", "pasport", "passinummer")
# A passport that the words before it name as another country's, in that country's word or by nationality: a letter
# and seven or eight digits is then that country's number ("No. Pasport: A35190846", "Indian passport J8369854"), not
# a US one. Read only beside a passport cue (a nationality alone is everywhere in prose).
_NATIONALITIES = ("indian", "malaysian", "singaporean", "singapore", "filipino", "philippine", "indonesian", "thai",
                  "vietnamese", "chinese", "hong kong", "japanese", "korean", "australian", "new zealand", "british", "uk",
                  "irish", "german", "french", "dutch", "belgian", "spanish", "portuguese", "italian", "polish", "swedish",
                  "norwegian", "danish", "finnish", "greek", "czech", "austrian", "swiss", "canadian", "mexican",
                  "brazilian", "nigerian", "ghanaian", "kenyan", "pakistani", "bangladeshi", "sri lankan", "nepali")
_FOREIGN_PASSPORT = cue_pattern(_NATIONALITIES + tuple(cue for cue in PASSPORT_CUES if not cue.startswith("passport")))
_FOREIGN_REACH = 40


def _foreign_passport(text: str, value: str, start: int) -> bool:
    return _FOREIGN_PASSPORT.search(text, max(0, start - _FOREIGN_REACH), start) is not None


def _us_passport(text: str, value: str, start: int) -> bool:
    return not _foreign_passport(text, value, start)


AADHAAR_CUES = ("aadhaar", "aadhar", "uid", "uidai", "आधार")
ITIN_CUES = ("itin", "taxpayer", "tax id", "tin", "tax identification")
BANK_CUES = ("account", "acct", "a/c", "account number", "account no", "checking", "savings", "bank account", "konto", "kontonummer")
SPECS: tuple[PatternSpec, ...] = (
    PatternSpec("EMAIL", r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b", 0.95, _email_tld, reject=_in_uri_credentials, anchors=("@",), anchor_reach=64, longest=680),
    PatternSpec("URL", r"\b(?:https?://|www\.)[^\s<>\"'`)\]]{2,2048}", 0.6, cues=("url", "link", "website", "profile"), anchors=("http", "www."), words=("http", "https", "www"), longest=None),
    # A profile on a well-known site written without its scheme, as CVs and signatures do ("linkedin.com/in/jane-doe",
    # "github.com/jdoe"): the site's page of one person.
    PatternSpec("URL", r"(?<![\w./@-])(?:[a-z]{2,3}\.)?(?:linkedin\.com/(?:in|pub)|github\.com|gitlab\.com|twitter\.com|x\.com|instagram\.com|facebook\.com|medium\.com/@?)/?[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_](?:/[A-Za-z0-9_.-]+)?", 0.7, anchors=("linkedin.com/", "github.com/", "gitlab.com/", "twitter.com/", "x.com/", "instagram.com/", "facebook.com/", "medium.com/"), anchor_reach=4, words=("linkedin", "github", "gitlab", "twitter", "x", "instagram", "facebook", "medium"), longest=None),
    PatternSpec("IP_ADDRESS", r"(?<![\d.])\d{1,3}\.(?:\d{1,3}\.){2}\d{1,3}(?![\d.]|\.\d)", 0.85, _ipv4, cues=("ip", "ip address", "host", "client", "server", "from"), reject=_after_version_word, digit=True, longest=15),
    PatternSpec("IP_ADDRESS", r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}(?![\w:])", 0.85, _ipv6, anchors=(":",), anchor_shape=IPV6_ANCHOR_SHAPE, anchor_reach=4, longest=39),
    PatternSpec("MAC_ADDRESS", r"\b[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}\b", 0.9, anchors=(":", "-"), anchor_shape=MAC_ANCHOR_SHAPE, anchor_reach=2, longest=17),
    PatternSpec("CREDIT_DEBIT_CARD_NUMBER", r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d-])", 0.95, v.card, digit=True, longest=37),
    PatternSpec("CREDIT_DEBIT_CARD_CVV", r"(?<![\d/-])\d{3,4}(?![\d/-])", 0.0, cues=("cvv", "cvc", "cvv2", "cvc2", "security code", "card verification", "cid", "prüfnummer", "kartenprüfnummer", "code on the back", "numbers on the back", "digits on the back"), needs_cue=True, digit=True, cue_score=0.9, longest=4),
    PatternSpec("CREDIT_DEBIT_CARD_EXPIRY", r"(?<![\d/])(?:0[1-9]|1[0-2]) ?/ ?(?:20)?\d{2}\b(?!/\d)", 0.0, cues=("exp", "expiry", "expires", "expiration", "exp date", "valid thru", "valid through", "good thru", "valid till", "gültig bis"), needs_cue=True, digit=True, cue_score=0.9, longest=9),
    PatternSpec("INTERNATIONAL_BANK_ACCOUNT_NUMBER", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", 0.95, v.iban, digit=True, longest=43),
    PatternSpec("SWIFT_CODE", r"\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b", 0.0, v.swift, cues=("swift", "bic", "swift code", "bank code", "sort code"), needs_cue=True, cue_score=0.9, longest=11),
    PatternSpec("US_BANK_ROUTING_NUMBER", r"(?<![\d-])\d{9}(?![\d-])", 0.0, v.aba_routing, cues=("routing", "aba", "rtn", "routing number", "transit number", "routing no"), needs_cue=True, digit=True, longest=9),
    PatternSpec("US_BANK_ACCOUNT_NUMBER", r"(?<![\d-])\d{8,17}(?![\d-])", 0.0, cues=BANK_CUES, needs_cue=True, digit=True, cue_score=0.8, longest=17),
    PatternSpec("US_SOCIAL_SECURITY_NUMBER", r"(?<![\d.-])\d{3}([- .])\d{2}\1\d{4}(?![\d-]|\.\d)", 0.8, v.ssn, cues=("ssn", "social security", "social security number", "ss#", "ss no"), digit=True, longest=11),
    PatternSpec("US_SOCIAL_SECURITY_NUMBER", r"(?<![\d-])\d{9}(?![\d-])", 0.0, v.ssn, cues=("ssn", "social security", "social security number", "ss#"), needs_cue=True, digit=True, longest=9),
    PatternSpec("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", r"(?<![\d-])9\d{2}([- ])\d{2}\1\d{4}(?![\d-])", 0.8, v.itin, cues=ITIN_CUES, digit=True, longest=11),
    PatternSpec("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", r"(?<![\d-])9\d{8}(?![\d-])", 0.0, v.itin, cues=ITIN_CUES, needs_cue=True, digit=True, longest=9),
    PatternSpec("US_PASSPORT_NUMBER", r"\b[A-Z]?\d{8,9}\b", 0.0, cues=PASSPORT_CUES, needs_cue=True, reject=_foreign_passport, digit=True, cue_score=0.85, longest=10),
    PatternSpec("PASSPORT_NUMBER", r"\b[A-Z]?\d{7,9}\b", 0.0, cues=PASSPORT_CUES, needs_cue=True, reject=_us_passport, digit=True, cue_score=0.85, longest=10),
    PatternSpec("PASSPORT_NUMBER", r"\b(?=[A-Z0-9]{6,9}\b)(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,9}\b", 0.0, _other_passport, cues=PASSPORT_CUES, needs_cue=True, digit=True, digit_lead=None, cue_score=0.85, longest=9),
    PatternSpec("DRIVER_ID", r"\b(?=[A-Z0-9*-]{5,20}(?![\w*]))(?=[A-Z0-9*-]*\d)[A-Z0-9*]{1,5}(?:-?[A-Z0-9*]{2,8}){1,3}(?:-[A-Z0-9])?(?![\w*])", 0.0, _has_digit, cues=DRIVER_CUES, reject=_range, needs_cue=True, digit=True, digit_lead=None, cue_score=0.85, window=32, longest=34),
    # Digits in groups, maybe after a letter: "NY DL: 724 519 386", "DL S 432 718 550 912".
    PatternSpec("DRIVER_ID", r"\b(?:[A-Z][ -]?)?\d{2,4}(?: \d{2,4}){1,4}(?![\w-])", 0.0, cues=DRIVER_CUES, needs_cue=True, digit=True, cue_score=0.85, window=20, longest=26),
    # India's licence: state, RTO office, year of issue, serial ("MH12 20110012345", "MH-12-2011-0012345").
    PatternSpec("DRIVER_ID", r"\b[A-Z]{2}[ -]?\d{2}[ -]?(?:19|20)\d{2}[ -]?\d{7}\b", 0.0, cues=DRIVER_CUES, needs_cue=True, digit=True, cue_score=0.85, window=20, longest=18),
    PatternSpec("LICENSE_PLATE", r"\b(?=[A-Z0-9 •·-]{4,13}\b)(?=[A-Z0-9 •·-]*\d)[A-Z0-9]{1,4}[ •·-]?[A-Z0-9]{1,5}(?:[ •·-][A-Z0-9]{1,4}){0,2}\b", 0.0, _plate, cues=("license plate", "licence plate", "number plate", "plate", "plate number", "registration", "reg", "kennzeichen", "regn", "kennz", "kenteken", "targa", "matrícula", "matricula", "immat", "immatriculation", "rego", "reg.nr", "regnr", "plates", "pendaftaran", "nr rej", "plaque"), reject=_amount, needs_cue=True, digit=True, digit_lead=None, cue_score=0.8, longest=20),
    # India's plates, a state code first ("KA 51 AF 7390", "TS 09 EX 2281"), and Singapore's with their check letter
    # ("SMK1931U"): near a vehicle word ("car", "vehicle", "challan") as well as a plate's own cues.
    PatternSpec("LICENSE_PLATE", r"\b(?:AN|AP|AR|AS|BR|CG|CH|DD|DL|DN|GA|GJ|HP|HR|JH|JK|KA|KL|LA|LD|MH|ML|MN|MP|MZ|NL|OD|OR|PB|PY|RJ|SK|TN|TR|TS|UK|UP|WB)([ -]?)\d{1,2}\1[A-Z]{1,3}\1\d{4}\b", 0.0, cues=VEHICLE_CUES, needs_cue=True, digit=True, cue_score=0.85, longest=14),
    PatternSpec("LICENSE_PLATE", r"\bS[A-HJ-NP-Z]{1,2}\d{1,4}[A-EGHJ-MPR-UX-Z]\b", 0.0, v.sg_plate, cues=VEHICLE_CUES, needs_cue=True, digit=True, cue_score=0.85, longest=8),
    PatternSpec("VEHICLE_IDENTIFICATION_NUMBER", r"\b[A-HJ-NPR-Z0-9]{17}\b", 0.9, v.vin, cues=("vin", "vehicle identification", "chassis"), digit=True, digit_lead=16, longest=17),  # v.vin: never all letters
    PatternSpec("UK_NATIONAL_INSURANCE_NUMBER", r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", 0.85, v.nino, cues=("ni", "nino", "national insurance", "ni number"), digit=True, longest=13),
    PatternSpec("UK_NATIONAL_HEALTH_SERVICE_NUMBER", r"(?<![\d-])\d{3}([ -]?)\d{3}\1\d{4}(?![\d-])", 0.0, v.nhs, cues=("nhs", "nhs number", "nhs no", "health service", "national health"), needs_cue=True, digit=True, longest=12),
    PatternSpec("UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", r"(?<![\d-])\d{5} ?\d{5}(?![\d-])", 0.0, cues=("utr", "unique taxpayer", "taxpayer reference", "tax reference", "self assessment"), needs_cue=True, digit=True, cue_score=0.85, longest=11),
    PatternSpec("CA_SOCIAL_INSURANCE_NUMBER", r"(?<![\d-])\d{3}([ -]?)\d{3}\1\d{3}(?![\d-])", 0.0, v.ca_sin, cues=("sin", "social insurance", "nas", "numéro d'assurance sociale"), needs_cue=True, digit=True, longest=11),
    PatternSpec("CA_HEALTH_NUMBER", r"(?<![\d-])\d{4}[ -]?\d{3}[ -]?\d{3}(?:[ -]?[A-Z]{2})?(?![\d-])", 0.0, cues=("health card", "health number", "ohip", "hcn", "health insurance number", "carte santé"), needs_cue=True, digit=True, cue_score=0.85, longest=15),
    # Grouped 4-4-4 is the printed Aadhaar shape; a bare 12-digit run (order numbers, accounts) needs a cue.
    PatternSpec("IN_AADHAAR", r"(?<![\d-])[2-9]\d{3}([ -])\d{4}\1\d{4}(?![\d-])", 0.85, v.aadhaar, reject=_among_groups, cues=AADHAAR_CUES, digit=True, longest=14),
    PatternSpec("IN_AADHAAR", r"(?<![\d-])[2-9]\d{11}(?![\d-])", 0.0, v.aadhaar, cues=AADHAAR_CUES, needs_cue=True, digit=True, longest=12),
    PatternSpec("IN_PERMANENT_ACCOUNT_NUMBER", r"\b[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z]\b", 0.85, v.pan, cues=("pan", "permanent account", "pan card", "income tax"), digit=True, longest=10),
    # Germany: the tax id is eleven digits ("12 345 678 901"), bare digits to anything but its cue; the social
    # insurance number carries a letter between birth date and serial, and a check digit.
    PatternSpec("DE_TAX_IDENTIFICATION_NUMBER", r"(?<![\d-])[1-9]\d(?: ?\d{3}){3}(?![\d-])", 0.0, v.de_tax_id, cues=("steuer id", "steuer-id", "steuerid", "steuerliche identifikationsnummer", "steueridentifikationsnummer", "identifikationsnummer", "idnr", "tax id", "tin"), needs_cue=True, digit=True, longest=14),
    PatternSpec("DE_SOCIAL_INSURANCE_NUMBER", r"(?<![\d-])\d{2} ?\d{6} ?[A-Z] ?\d{3}(?![\d-])", 0.85, v.de_social_insurance, cues=("sozialversicherungsnummer", "versicherungsnummer", "rentenversicherungsnummer", "sv-nummer", "sv nummer", "rvnr", "social insurance"), digit=True, longest=15),
    PatternSpec("SG_NRIC", r"\b[STFGM]\d{7}[A-Z]\b", 0.95, v.nric, digit=True, longest=9),
    PatternSpec("US_MEDICARE_BENEFICIARY_IDENTIFIER", r"\b[1-9][A-Z][A-Z0-9]\d-?[A-Z][A-Z0-9]\d-?[A-Z]{2}\d{2}\b", 0.85, v.mbi, cues=("mbi", "medicare", "beneficiary"), digit=True, longest=13),
    PatternSpec("US_NATIONAL_PROVIDER_IDENTIFIER", r"(?<![\d-])[12]\d{9}(?![\d-])", 0.0, v.npi, cues=("npi", "provider", "national provider", "prescriber", "physician"), needs_cue=True, digit=True, longest=10),
    PatternSpec("US_DEA_NUMBER", r"\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b", 0.85, v.dea, cues=("dea", "dea number", "dea#", "registration"), reject=_after_passport_cue, digit=True, longest=9),
    PatternSpec("DATE_OF_BIRTH", DATE, 0.0, cues=DOB_CUES, needs_cue=True, reject=_not_born_yet, digit=True, digit_lead=DATE_DIGIT_LEAD, cue_score=0.9, flags=re.IGNORECASE, longest=25),
    # A birth date written as one number after its cue, as pharmacy claims and HL7 do: "DOB 19710822".
    PatternSpec("DATE_OF_BIRTH", r"(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)", 0.0, cues=DOB_CUES, needs_cue=True, reject=_not_born_yet, digit=True, cue_score=0.9, window=20, longest=8),
    # German lists mark a birth date with a star ("Kaya, Emre   *14.04.1983   Tel."); not a bold date ("**01.02.**").
    PatternSpec("DATE_OF_BIRTH", r"\*(?<![*\w]\*)(?P<v>\d{1,2}\.\d{1,2}\.(?:19|20)\d{2})(?![\d.])", 0.85, anchors=("*",), longest=None),
    PatternSpec("MEDICAL_RECORD_NUMBER", r"\b(?=[A-Z0-9/-]{5,20}\b)(?=[A-Z0-9/-]*\d)[A-Z0-9]+(?:[-/][A-Z0-9]+)*\b", 0.0, _record_number, cues=("mrn", "medical record", "medical record number", "record number", "patient id", "chart number", "chart no", "chart #", "hospital number", "hospital no", "uhid", "patient no", "patient number", "dossiernr", "dossiernummer", "ur number", "hospital ur", "versichertennummer", "krankenversichertennummer", "pat.-nr", "patientennummer", "patienten-nr", "member id", "member number", "subscriber id", "insurance id", "health plan id", "nhi", "ur no", "opd no", "dossier patient", "cartella clinica"), needs_cue=True, digit=True, digit_lead=None, cue_score=0.85),
)
# Rows whose value is a group inside a labelled phrase ("password: hunter2", "age 42", '"password": "hunter2"' as JSON
# writes it): the span is group "v".
LABELLED: tuple[PatternSpec, ...] = (
    # A key ending in a user word, as configuration and data write it ("MYSQL_USER: app", "DB_USERNAME=app",
    # '"userId": "jdoe"', "uid=h.kessler,ou=..."), not its placeholder ("${DB_USER}", "<user>").
    PatternSpec("USERNAME", r"(?i:(?<![A-Za-z0-9])(?:username|user[ _-]name|user[ _-]?id|login|user|uid|benutzername|nutzername|usuario|utilisateur|identifiant|gebruikersnaam|brukernavn|brugernavn|användarnamn)[\"']?\s*[:=]\s*[\"']?)(?P<v>[^\s,;\"']{2,64})", 0.85, reject=_system_user, anchors=("user", "login", "benutzername", "uid", "nutzername", "usuario", "utilisateur", "identifiant", "gebruikersnaam", "brukernavn", "brugernavn", "användarnamn"), words=("username", "user", "userid", "login", "benutzername", "uid", "nutzername", "usuario", "utilisateur", "identifiant", "gebruikersnaam", "brukernavn", "brugernavn", "ndarnamn"), longest=None),
    # The user of a connection URI ("postgres://jmorales:pw@host"), an ssh target ("ssh -i key tbaker@54.211.87.140"),
    # a home directory ("/home/weijie/", "C:\\Users\\akhan\\"), a web server log's authenticated user ("1.2.3.4 - mfisk [").
    PatternSpec("USERNAME", r"\b[A-Za-z][A-Za-z0-9+.-]{0,19}://(?P<v>[^\s:/@]{1,64}):[^\s/]{1,128}@(?=[^\s@/:]+(?:[:/?#]|\s|$))", 0.85, reject=_system_user, anchors=("://",), anchor_reach=21, anchor_shape=URI_PASSWORD_SHAPE, longest=None),
    PatternSpec("USERNAME", r"\bssh\b[^\n@]{0,80}?[ \t](?P<v>[a-z_][a-z0-9_.-]{0,31})@[A-Za-z0-9.-]+", 0.85, reject=_system_user, anchors=("ssh",), words=("ssh",), longest=None),
    PatternSpec("USERNAME", r"(?i:(?:/home/|/users/|\\users\\))(?P<v>[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})(?=[/\\])", 0.85, reject=_system_user, anchors=("/home/", "/users/", "\\users\\"), words=("home", "users"), longest=None),
    # A mention in a chat or a payment app ("@pooja-iyer-dev", "venmo @KTran-14"), not an e-mail, a package scope
    # ("@types/node"), a decorator opening its line ("@dataclass") or a documentation tag ("@param").
    PatternSpec("USERNAME", r"(?<![^\s(\[,;:*_])@(?P<v>[A-Za-z][A-Za-z0-9_.-]{0,38}[A-Za-z0-9_])(?![\w@/(-]|\.\w)", 0.8, reject=_not_a_mention, anchors=("@",), longest=None),
    PatternSpec("USERNAME", r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3} - (?P<v>[A-Za-z0-9_][^\s\[\]]{0,63}) \[", 0.85, reject=_system_user, anchors=(" - ",), anchor_reach=15, anchor_shape=r" - [A-Za-z0-9_][^\s\[\]]{0,63} \[", digit=True, digit_lead=None, longest=None),
    # India's UPI payment address ("UPI ID rahul.sharma@okicici"): a handle at a payment provider, no dot after "@".
    # Written in a sentence or a config: "User tvanrijn", "db user hcarver", "my AD account rszabo", "username is
    # noorelk_92", "Benutzer thorsten.adm", "user FRA\\akowalski": a lower-case handle that is no common word.
    PatternSpec("USERNAME", r"(?i:(?<![A-Za-z0-9])(?:user(?:name)?|login(?:[ _-]?name)?|account|benutzer(?:name)?|utilisateur|usuario)(?:[ \t]+(?:is|was))?[ \t]+)(?P<v>(?:[A-Z]{2,15}\\)?[a-z][a-z0-9_.-]{1,30}[a-z0-9])(?![\w@\\-]|\.\w)", 0.75, reject=_not_a_handle, anchors=("user", "login", "account", "benutzer", "utilisateur", "usuario"), words=("user", "username", "login", "loginname", "account", "benutzer", "benutzername", "utilisateur", "usuario"), longest=None),
    # A chat or ticket log's author after its time ("08:14 [trowe] unlocked acct"), a login at an address
    # ("migs.reyes@203.177.42.118"), a commit's author ("Author: jpark-ops <jiwoo@...>").
    PatternSpec("USERNAME", r"\[(?<=\d\d:\d\d \[)(?P<v>[a-z][a-z0-9_.-]{1,31})\]", 0.8, reject=_system_user, anchors=("[",), longest=None),
    # A chat export's speaker written as a handle after the time stamp ("[10:02 AM] meenakshi.s: ..."); a handle has
    # a ".", "_" or "-" in it (a plain word there is a name, the names recognizer's).
    PatternSpec("USERNAME", r"\](?:(?<=\d\d\])|(?<=\d\d [AaPp][Mm]\])|(?<=\d\d[AaPp][Mm]\]))[ \t]*(?P<v>[a-z][a-z0-9]*(?:[._-][a-z0-9]+)+)(?=:[ \t])",
                0.8, reject=_system_user, anchors=("]",), longest=None),
    PatternSpec("USERNAME", r"(?<![\w.@-])(?P<v>[a-z_][a-z0-9_.-]{0,31})@(?:\d{1,3}\.){3}\d{1,3}(?![\d.])", 0.85, reject=_system_user, anchors=("@",), anchor_reach=32, anchor_shape=r"@(?:\d{1,3}\.){3}\d", longest=None),
    PatternSpec("USERNAME", r"(?i:\bauthor:[ \t]+)(?P<v>[a-z0-9][a-z0-9_.-]{1,38})(?=[ \t]+<)", 0.85, reject=_system_user, anchors=("author",), words=("author",), longest=None),
    # A GitHub merge commit's source account ("Merge pull request #482 from nbansal-dev/fix-otp"), an issue thread's
    # author in bold ("**jmcallister-sre** commented:"), ssh's login option ("ssh -o ... -l lmoreau host").
    PatternSpec("USERNAME", r"(?i:\bmerge pull request #\d+ from )(?P<v>[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?)/", 0.85, reject=_branch_word, anchors=("merge pull request",), words=("merge",), longest=None),
    PatternSpec("USERNAME", r"\*\*(?P<v>[a-z0-9][a-z0-9_.-]{1,38})\*\*[ \t]+(?:commented|reviewed|approved)\b", 0.8, reject=_not_a_handle, anchors=("**",), words=("commented", "reviewed", "approved"), longest=None),
    PatternSpec("USERNAME", r"\bssh\b[^\n]{0,80}?[ \t]-l[ \t]*(?P<v>[a-z_][a-z0-9_.-]{0,31})(?![\w@.-])", 0.85, reject=_system_user, anchors=("ssh",), words=("ssh",), longest=None),
    # A handle on a platform as people name it ("find me on github as alejandro-rmz", "my venmo is
    # kwame-osei-rentals", "twitter aleramirez_dev"): one with a digit, "_", "." or "-" (a plain word after the
    # platform is prose: "github as well"; one written with its "@" is the mention row's).
    PatternSpec("USERNAME", rf"(?i:\b(?:{'|'.join(_PLATFORMS)})(?:[ \t]+(?:handle|username|user|id|account|name))?(?:[ \t]*:|[ \t]+(?:is|as|at))?[ \t]+)(?P<v>[A-Za-z0-9][A-Za-z0-9_.-]{{0,38}}[A-Za-z0-9_])(?![\w@-]|\.\w)", 0.8, reject=_plain_word, anchors=_PLATFORMS, words=_PLATFORMS, longest=None),
    # An HTML form's login field ('<input name="username" value="giuli_espo93">') and a profile's path in a URL or
    # a log line ("GET /profile/rhiannon.pryce", "/u/jbrightwater"), not a route's own word ("/u/me", "/profile/edit").
    PatternSpec("USERNAME", r"(?i:\bname=[\"']user(?:name|id)[\"'][^<>\n]{0,80}?value=[\"'])(?P<v>[^\"'<>\s]{2,64})[\"']", 0.85, reject=_system_user, anchors=("name=",), words=("username", "userid"), longest=None),
    PatternSpec("USERNAME", r"(?<![\w.-])/(?:u|profile)/(?P<v>[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9_])(?=[/?#\"' \t\n]|$)", 0.8, reject=_route_word, anchors=("/u/", "/profile/"), words=("u", "profile"), longest=None),
    # A UPI id at one of the payment apps' handles, cue or not ("paid to: hcbhat@ybl", "by UPI to venkat.k@okicici").
    PatternSpec("USERNAME", rf"(?<![\w.@-])(?P<v>[A-Za-z0-9][A-Za-z0-9._-]{{1,63}}@{_UPI_HANDLES})(?![\w@.-]|\.\w)", 0.85, anchors=("@",), anchor_reach=64, anchor_shape=_UPI_SHAPE, longest=None),
    PatternSpec("USERNAME", r"(?i:\b(?:upi(?:[ _-]?id)?|vpa)[\"']?\s*(?:[:=]|\bis\b)?\s*[\"']?)(?P<v>[A-Za-z0-9][A-Za-z0-9._-]{1,63}@[A-Za-z][A-Za-z0-9]{1,31})(?![\w@-]|\.\w)", 0.85, anchors=("upi", "vpa"), words=("upi", "upiid", "vpa"), longest=None),
    # A key ending in a password word ("MYSQL_ROOT_PASSWORD", "db_password", "SMTP_PASS", "attempted_password"), the
    # value quoted or not; a quoted one may hold blanks ("qwpz lmte ryvc hhak", an app password). Not a placeholder.
    PatternSpec("PASSWORD", r"(?i:(?<![A-Za-z0-9])(?:password|passwd|pwd|pass|passcode|passphrase|kennwort|passwort)[\"']?\s*(?:[:=]|\bis\b)\s*[\"']?)(?P<v>[^\s,;\"']{3,128})", 0.9, reject=_placeholder, anchors=("pass", "pwd", "kennwort", "passwort"), words=("password", "passwd", "pwd", "pass", "passcode", "passphrase", "kennwort", "passwort"), longest=None),
    PatternSpec("PASSWORD", r"(?i:(?<![A-Za-z0-9])(?:password|passwd|pwd|pass|passphrase|kennwort|passwort)[\"']?\s*[:=]\s*)(?P<q>[\"'])(?P<v>[^\"'\n]{3,128})(?P=q)", 0.9, reject=_placeholder, anchors=("pass", "pwd", "kennwort", "passwort"), words=("password", "passwd", "pwd", "pass", "passphrase", "kennwort", "passwort"), longest=None),
    # Written in a sentence: "temp password Welcome2Halcyon!", "netflix pw is Sprinkles#88", "wifi pw: T3apot!77": a
    # value with a letter and a digit or sign (not "password reset").
    PatternSpec("PASSWORD", r"(?i:(?<![A-Za-z0-9])(?:password|passwort|pw)(?:[ \t]*:[ \t]*|[ \t]+(?:is[ \t]+)?))(?P<v>[^\s,;\"']{6,64})", 0.8, _password_like, reject=_placeholder, anchors=("pw", "passw"), words=("password", "passwort", "pw"), longest=None),
    # The password in a connection URI's user part ("postgres://admin:S3cret@db:5432/prod", "mysql://root:pw@10.0.0.1"):
    # up to the last "@" before the host. The scheme is at most 20 characters before "://".
    PatternSpec("PASSWORD", r"\b[A-Za-z][A-Za-z0-9+.-]{0,19}://[^\s:/@]{0,64}:(?P<v>[^\s/]{1,128})@(?=[^\s@/:]+(?:[:/?#]|\s|$))", 0.9, reject=_placeholder, anchors=("://",), anchor_reach=21, anchor_shape=URI_PASSWORD_SHAPE, longest=None),
    PatternSpec("PIN", r"(?i:(?<![a-ln-z0-9])m?pin(?:\s+(?:code|number))?[\"']?\s*(?:[:=#]|\bis\b|\bto\b)?\s*[\"']?)(?P<v>\d{4,8})\b", 0.92, anchors=("pin",), words=("pin", "mpin"), digit=True, digit_lead=None, longest=None),
    PatternSpec("AGE", r"(?i:\b(?:age(?:[ \t]*/[ \t]*(?:sex|gender)|[ \t]+at[ \t]+[a-z]+)?|aged(?:[ \t]+(?:about|around|approx\.?))?|alter)[\"']?[ \t]*(?:[:=]\s*)?[\"']?)(?P<v>\d{1,3})\b(?!\s*(?:%|percent|days|hours|minutes|ms|mb|gb))", 0.85, reject=_statistic, anchors=("age", "alter"), words=("age", "aged", "alter"), digit=True, digit_lead=None, longest=None),
    # The label in other languages, and sex before age ("Edad: 72 años", "Wiek: 64 lata", "Sex/Age: M/56Y").
    PatternSpec("AGE", r"(?i:\b(?:edad|wiek|âge|età|leeftijd|alder|ålder|idade|umur|(?:sex|gender)[ \t]*/[ \t]*age)[ \t]*[:=][ \t]*(?:[mfw][ \t]*/[ \t]*)?)(?P<v>\d{1,3})(?![\d.,:/-])", 0.85, reject=_statistic, anchors=("edad", "wiek", "âge", "età", "leeftijd", "alder", "ålder", "idade", "umur", "sex", "gender"), words=("edad", "wiek", "ge", "et", "leeftijd", "alder", "lder", "idade", "umur", "sex", "gender"), digit=True, digit_lead=None, longest=None),
    # "\b(?P<v>\d{1,3})" with the word boundary moved after the first digit (``scanning.lead_with_atom`` cannot see
    # through the group): sre then skips to the next digit in C. Scanned near digits, or, in digit-dense text, only
    # where "year", "yr" or "yo" follow.
    # "yo" is in every "you": only occurrences that are the phrase's own ending count as anchors. A match is at most
    # 3 digits, 9 spaces and "years-old" (21 characters).
    # An age said of someone: "I'm 26.", "he's 41 and worried", "she turned 30,"; German "der 77-jährige Patient".
    # (Contractions and "turned" only: "i am"/"he is" are in most texts, and each anchor is a str.find pass.)
    PatternSpec("AGE", r"(?i:\b(?:i'm|he's|she's|turned)[ \t]+)(?P<v>\d{1,3})(?=[ \t]*(?:[.!,;)]|and\b|years?\b|yrs?\b|\Z))", 0.8, anchors=("i'm", "he's", "she's", "turned"), words=("m", "s", "turned"), digit=True, digit_lead=None, longest=None),
    # The same in German, Dutch and Spanish, and "turns"/"turning" ("ich bin 62,", "ik ben 29 jaar", "tiene 13 y",
    # "turns 66 this week"); French says it with "ans" ("il a 14 ans", "qui n'a que 7 ans").
    PatternSpec("AGE", r"(?i:\b(?:ich bin|ik ben|tiene|tengo|turns|turning)[ \t]+)(?P<v>\d{1,3})(?=[ \t]*(?:[.!,;)]|and\b|und\b|en\b|y\b|this\b|on\b|in\b|years?\b|jahre?\b|jaar\b|años\b|\Z))", 0.8, anchors=("ich bin", "ik ben", "tiene", "tengo", "turn"), words=("bin", "ben", "tiene", "tengo", "turns", "turning"), digit=True, digit_lead=None, longest=None),
    PatternSpec("AGE", r"(?i:\b(?:il |elle |qui n'|j')a(?:[ \t]+que)?[ \t]+)(?P<v>\d{1,3})[ \t]+ans\b", 0.8, anchors=("a ",), anchor_reach=12, anchor_shape=r"(?i:a(?:[ \t]+que)?[ \t]+\d{1,3}[ \t]+ans\b)", words=("ans",), digit=True, digit_lead=None, longest=None),
    # ("jährige" splits into the ASCII runs "j" and "hrige" in the text's word set.)
    PatternSpec("AGE", r"(?P<v>\d{1,3})-?jährige[nmrs]?\b", 0.85, anchors=("jährig",), anchor_reach=4, words=("hrige", "hrigen", "hriger", "hriges", "hrigem"), digit=True, digit_lead=None, longest=None),
    PatternSpec("AGE", AGE_YEARS_OLD, 0.85, anchors=("year", "yr", "y/o", "yo"), anchor_reach=12, anchor_shape=AGE_ANCHOR_SHAPE, words=("year", "years", "yr", "yrs", "y", "yo"), digit=True, longest=21),
)


# Validators that only filter implausible candidates (a digit, a TLD, a plate's letters): their findings stay unvalidated.
_PLAUSIBILITY = (_has_digit, _email_tld, _ip, _ipv4, _ipv6, _other_passport, _plate, _record_number, _password_like)


@lru_cache(maxsize=None)
def _compiled(regex: str, flags: int) -> re.Pattern[str]:
    """A row's pattern as the engine runs it (``scanning.fast_form``), compiled once per process: sre compiles in
    Python, a few milliseconds a row, and every engine (one per tenant rule set) shares the rows."""
    return re.compile(fast_form(regex), flags)


class PatternRecognizer:
    """Table rows (of one entity type or of many), each compiled on first use in the fast-skipping form (see
    ``scanning``): a row whose cue, anchor or digits never occur is never compiled, which keeps cold starts short.

    The engine runs the whole table as one recognizer (``pattern_recognizers``): one loop over the rows per text
    rather than a recognizer per entity type, whose fixed cost (a generator, its set-up, the engine's loop) was a
    third of detecting a short string."""

    def __init__(self, label: str, specs: tuple[PatternSpec, ...]) -> None:
        """``label``: the recognizer's name after ``pattern:`` (an entity type for a table of one type's rows)."""
        self.name = f"pattern:{label}"
        self.entity_types = frozenset(spec.type for spec in specs)
        self._specs = specs
        # Each finding names its row's type as its source, as one recognizer per type did.
        self._sources = [f"pattern:{spec.type}" for spec in specs]
        # Whether a row's findings count as validated: a checksum or parse does; a plausibility filter (a digit,
        # an alphabetic TLD) does not, except that a parsed IP address is one.
        self._validated = [
            spec.validator is not None
            and (spec.validator not in _PLAUSIBILITY or spec.type == "IP_ADDRESS")
            for spec in specs
        ]
        self._regexes: list[tuple[re.Pattern[str], bool] | None] = [None] * len(specs)  # compiled on first use

    def _compile(self, i: int) -> tuple[re.Pattern[str], bool]:
        """Row ``i``'s pattern (shared by every engine: ``_compiled``) and whether its value is group "v", kept on
        the recognizer: a cache call and a ``groupindex`` mapping per row and text cost 1-2% of detecting 4 KB."""
        spec = self._specs[i]
        regex = _compiled(spec.regex, spec.flags)
        self._regexes[i] = (regex, "v" in regex.groupindex)
        return self._regexes[i]

    def only(self, entities: frozenset[str]) -> PatternRecognizer | None:
        """The rows whose type is in ``entities`` (self when that is all of them; None when none is)."""
        if self.entity_types <= entities:
            return self
        kept = tuple(spec for spec in self._specs if spec.type in entities)
        return PatternRecognizer(self.name.removeprefix("pattern:"), kept) if kept else None

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        cues = cues if cues is not None else TextIndex(text)
        for i, spec in enumerate(self._specs):
            windows = self._windows(spec, cues)
            if windows == []:
                continue
            regex, labelled = self._regexes[i] or self._compile(i)
            # The row's fields as locals: on digit-dense text a row has dozens of candidates, each paying for them.
            entity, reject, validator, row_cues, needs_cue = spec.type, spec.reject, spec.validator, spec.cues, spec.needs_cue
            validated, name = self._validated[i], self._sources[i]
            # Without windows ``scan`` is ``finditer`` behind a generator: iterate the matches directly.
            matches = regex.finditer(text) if windows is None else scan(regex, text, windows, spec.longest)
            for match in matches:
                start, end = match.span("v") if labelled else match.span()
                value = text[start:end]
                if reject is not None and reject(text, value, start):
                    continue
                if validator is not None and not validator(value):
                    continue
                cue = cues.near(start, end, row_cues, before=spec.window, stops=AFTER_STOPS) if row_cues else False
                if needs_cue and not cue:
                    continue
                score = spec.cue_score if cue else spec.score
                if entity == "URL":
                    value = value.rstrip(".,;:!?")
                    end = start + len(value)
                yield Finding(entity, start, end, score, validated, name)

    @staticmethod
    def _windows(spec: PatternSpec, index: TextIndex) -> list[tuple[int, int]] | None:
        """Where this row's matches can start (see ``PatternSpec``); None means anywhere."""
        if spec.words and index.lower is not None and index.words().isdisjoint(spec.words):
            return []
        if spec.digit and index.digitless():
            return []  # prose often has cue words ("account", "record", "age") and no digit at all
        bounded = spec.digit and spec.digit_lead is not None
        if spec.needs_cue:
            if index.absent(spec.cues):
                return []
            # A value cued from after it starts at most its own length before the cue's window.
            cued = index.windows(spec.cues, before=spec.window, reach=MARGIN if spec.longest is None else spec.longest)
            if not bounded or not cued:
                return cued
            digits = index.digit_windows(spec.digit_lead)
            return cued if digits is None else intersect(cued, digits)
        if bounded:
            # Digit clusters are the narrower windows in prose; where digits are everywhere (tables, forms), a row's
            # anchors, if it has any, still are.
            windows = index.digit_windows(spec.digit_lead)
            if windows is not None or not spec.anchors:
                return windows
        if spec.anchors:
            return index.anchor_windows(spec.anchors, spec.anchor_reach, spec.anchor_shape)
        return None


@lru_cache(maxsize=1)
def pattern_recognizers() -> tuple[PatternRecognizer, ...]:
    """The whole table as one recognizer (narrowed to an engine's types with ``PatternRecognizer.only``)."""
    return (PatternRecognizer("table", (*SPECS, *LABELLED)),)
