"""Recognizers: positives with their exact span, context gating, and the hard negatives that must stay silent."""

from datetime import date

import pytest

from cloakr.pii import PIIEngine


@pytest.fixture(scope="module")
def engine():
    return PIIEngine()


def found(engine, text):
    return [(f.type, text[f.start:f.end]) for f in engine.detect(text)]


POSITIVES = [
    ("Mail me at jane.doe@example.co.uk please", "EMAIL", "jane.doe@example.co.uk"),
    ("call +44 20 7946 0958 today", "PHONE", "+44 20 7946 0958"),
    ("my phone is (415) 555-0132", "PHONE", "(415) 555-0132"),
    ("card 4111-1111-1111-1111 on file", "CREDIT_DEBIT_CARD_NUMBER", "4111-1111-1111-1111"),
    ("CVV: 737", "CREDIT_DEBIT_CARD_CVV", "737"),
    ("expires 09/28", "CREDIT_DEBIT_CARD_EXPIRY", "09/28"),
    ("IBAN GB82 WEST 1234 5698 7654 32.", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "GB82 WEST 1234 5698 7654 32"),
    ("SWIFT/BIC: DEUTDEFF500", "SWIFT_CODE", "DEUTDEFF500"),
    ("routing number 011000015", "US_BANK_ROUTING_NUMBER", "011000015"),
    ("checking account 123456789012", "US_BANK_ACCOUNT_NUMBER", "123456789012"),
    ("SSN 536-22-1234", "US_SOCIAL_SECURITY_NUMBER", "536-22-1234"),
    ("my ssn is 536221234", "US_SOCIAL_SECURITY_NUMBER", "536221234"),
    ("ITIN 912-70-1234", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "912-70-1234"),
    ("passport number 483920174", "US_PASSPORT_NUMBER", "483920174"),
    ("Reisepassnummer C01X00T47", "PASSPORT_NUMBER", "C01X00T47"),  # Germany
    ("Frau Anna Schulz, geb. am 12. März 1967 in Köln", "DATE_OF_BIRTH", "12. März 1967"),  # German month names
    ("geboren am 3. Januar 1990", "DATE_OF_BIRTH", "3. Januar 1990"),
    ("She was born on the 4th of March, 1985.", "DATE_OF_BIRTH", "4th of March, 1985"),
    ("date of birth 04-Mar-1985", "DATE_OF_BIRTH", "04-Mar-1985"),
    ("- Children: Frank Ashworth (b. 05 Jan 1922), died 1990", "DATE_OF_BIRTH", "05 Jan 1922"),  # family trees' "b."
    ("new wifi is up. network Cottage-5G pw: T3apot!Marmite77", "PASSWORD", "T3apot!Marmite77"),
    # another country's passport by its own word or a nationality; plate cues in other languages and plural
    ("Nama Pengadu: LOW KOK WAI\nNo. Pasport: A35190846", "PASSPORT_NUMBER", "A35190846"),
    ("Malaysian passport A38817264, issued KL", "PASSPORT_NUMBER", "A38817264"),
    ("Perodua Myvi, No. Pendaftaran WXY 7721", "LICENSE_PLATE", "WXY 7721"),
    ("Pojazd sprawcy: Skoda Octavia, nr rej. DW 7K412", "LICENSE_PLATE", "DW 7K412"),
    ("renew plates EFK 7702 by June", "LICENSE_PLATE", "EFK 7702"),
    ("Indian passport no. J8369854", "PASSPORT_NUMBER", "J8369854"),
    ("Passport: K1234567A", "PASSPORT_NUMBER", "K1234567A"),  # Singapore
    ("passport AB123456 (Canada)", "PASSPORT_NUMBER", "AB123456"),
    ("passeport 12AB34567", "PASSPORT_NUMBER", "12AB34567"),  # France
    ("US passport number G95755131", "US_PASSPORT_NUMBER", "G95755131"),  # passes the DEA check digit too
    ("driver's license: D1234-56789", "DRIVER_ID", "D1234-56789"),
    ("Driver: Carlos Mendes, CDL #M123-456-789-012", "DRIVER_ID", "M123-456-789-012"),  # a commercial licence
    ("My DL is MH12 20110012345.", "DRIVER_ID", "MH12 20110012345"),  # India: state, RTO, year, serial
    ("driving licence MH-12-2011-0012345", "DRIVER_ID", "MH-12-2011-0012345"),
    ("UPI ID rahul.sharma@okicici, IFSC HDFC0001234", "USERNAME", "rahul.sharma@okicici"),  # India's payment address
    ("my vpa is asha-k@oksbi.", "USERNAME", "asha-k@oksbi"),
    ("postgres://admin:S3cretP@ss!@db.internal:5432/prod", "PASSWORD", "S3cretP@ss!"),  # a connection URI's password
    ("DATABASE_URL=mysql://root:hunter2@10.1.2.3/app", "PASSWORD", "hunter2"),
    ("redis://:p4ss@cache:6379/0", "PASSWORD", "p4ss"),
    ("Insurance: BCBS member ID ZGP123456789.", "MEDICAL_RECORD_NUMBER", "ZGP123456789"),  # a health plan's (HIPAA)
    ("license plate 7ABC123", "LICENSE_PLATE", "7ABC123"),
    ("license plate MH 12 AB 1234.", "LICENSE_PLATE", "MH 12 AB 1234"),  # India: state, district, series, number
    ("license plate 43L•231 was seen", "LICENSE_PLATE", "43L•231"),
    ("VIN 1HGCM82633A004352", "VEHICLE_IDENTIFICATION_NUMBER", "1HGCM82633A004352"),
    ("NI number AB 12 34 56 C", "UK_NATIONAL_INSURANCE_NUMBER", "AB 12 34 56 C"),
    ("NHS number 943 476 5919", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "943 476 5919"),
    ("UTR 12345 67890", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "12345 67890"),
    # a valid US number too ("(513) 698-4857"): its cue says whose it is
    ("Your Unique Taxpayer Reference (UTR) is 51369 84857.", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "51369 84857"),
    ("SIN 130 692 544", "CA_SOCIAL_INSURANCE_NUMBER", "130 692 544"),
    ("OHIP health card 1234-567-890-AB", "CA_HEALTH_NUMBER", "1234-567-890-AB"),
    ("Aadhaar 2341 2341 2346", "IN_AADHAAR", "2341 2341 2346"),
    ("Ihre Steuer-ID 86 095 742 719 bitte angeben", "DE_TAX_IDENTIFICATION_NUMBER", "86 095 742 719"),
    ("IdNr: 65929970489", "DE_TAX_IDENTIFICATION_NUMBER", "65929970489"),
    ("Versicherungsnummer 15 070649 C 103", "DE_SOCIAL_INSURANCE_NUMBER", "15 070649 C 103"),
    ("SV-Nummer 15070649C103.", "DE_SOCIAL_INSURANCE_NUMBER", "15070649C103"),
    ("PAN ABCPE1234F", "IN_PERMANENT_ACCOUNT_NUMBER", "ABCPE1234F"),
    ("NRIC S1234567D", "SG_NRIC", "S1234567D"),
    ("MBI 1EG4-TE5-MK73", "US_MEDICARE_BENEFICIARY_IDENTIFIER", "1EG4-TE5-MK73"),
    ("NPI 1245319599", "US_NATIONAL_PROVIDER_IDENTIFIER", "1245319599"),
    ("DEA AB1234563", "US_DEA_NUMBER", "AB1234563"),
    ("DOB: March 4, 1985", "DATE_OF_BIRTH", "March 4, 1985"),
    ("MRN: 00482913", "MEDICAL_RECORD_NUMBER", "00482913"),
    ("age: 42", "AGE", "42"),
    ("she is 42 years old", "AGE", "42"),
    ("username: jdoe_42", "USERNAME", "jdoe_42"),
    ("password is S3cret!pass", "PASSWORD", "S3cret!pass"),
    ("PIN: 4821", "PIN", "4821"),
    ("server at 192.168.10.24 failed", "IP_ADDRESS", "192.168.10.24"),
    ("host 2001:db8::8a2e:370:7334 down", "IP_ADDRESS", "2001:db8::8a2e:370:7334"),
    ("mac 00:1A:2B:3C:4D:5E", "MAC_ADDRESS", "00:1A:2B:3C:4D:5E"),
    ("see https://example.com/u/jane?id=7.", "URL", "https://example.com/u/jane?id=7"),
    ("key AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "API_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("Dear Dr. Priya Sharma,", "NAME", "Priya Sharma"),
    ("Patient: Tan Wei Ming", "NAME", "Tan Wei Ming"),
    ("ship to 1600 Amphitheatre Parkway, Mountain View, CA 94043", "ADDRESS", "1600 Amphitheatre Parkway, Mountain View, CA 94043"),
    ("Anschrift: Hauptstraße 5, 10115 Berlin", "ADDRESS", "Hauptstraße 5, 10115 Berlin"),
    # credentials as configuration, logs and chats write them
    ('environment:\n  MYSQL_ROOT_PASSWORD: "Mumbai@Monsoon#77"\n  MYSQL_USER: nikhil_dev', "PASSWORD", "Mumbai@Monsoon#77"),
    ('environment:\n  MYSQL_ROOT_PASSWORD: "Mumbai@Monsoon#77"\n  MYSQL_USER: nikhil_dev', "USERNAME", "nikhil_dev"),
    ('SMTP_PASS: "qwpz lmte ryvc hhak"', "PASSWORD", "qwpz lmte ryvc hhak"),  # an app password, quoted with blanks
    ('reason=bad_password attempted_password="karan@123" Jul 03', "PASSWORD", "karan@123"),
    ("reset AD password, temp password Welcome2Halcyon! given to user", "PASSWORD", "Welcome2Halcyon!"),
    ("netflix pw is Sprinkles#88", "PASSWORD", "Sprinkles#88"),
    ("DATABASE_URL=postgres://jmorales:Sunfl0wer!Rides@pg-prod-1.example.com:5432/app", "USERNAME", "jmorales"),
    ("DATABASE_URL=postgres://jmorales:Sunfl0wer!Rides@pg-prod-1.example.com:5432/app", "PASSWORD", "Sunfl0wer!Rides"),
    ("ssh -i ~/.ssh/id_ed25519 mkowalczyk@198.51.100.73", "USERNAME", "mkowalczyk"),
    ('upload_report("/home/weijie/reports/q2.xls"); C:\\Users\\akhan\\Desktop', "USERNAME", "weijie"),
    ('upload_report("/home/weijie/reports/q2.xls"); C:\\Users\\akhan\\Desktop', "USERNAME", "akhan"),
    ('185.220.101.34 - mfisk [21/Nov/2024:12:01:02 +0000] "GET / HTTP/1.1"', "USERNAME", "mfisk"),
    ("LDAP bind failed for uid=h.kessler,ou=sales,dc=example", "USERNAME", "h.kessler"),
    ("Still failing. @pooja-iyer-dev can you look? venmo is @KTran-14", "USERNAME", "pooja-iyer-dev"),
    ("Still failing. @pooja-iyer-dev can you look? venmo is @KTran-14", "USERNAME", "KTran-14"),
    # licences as states, provinces and countries print them, after their cues
    ("Driver's licence (Ontario): W7573-78818-70303 Vehicle: 2018 Toyota", "DRIVER_ID", "W7573-78818-70303"),
    ("Our ref: D798/ML/2024 Driver number: DHILL757084AK9DP", "DRIVER_ID", "DHILL757084AK9DP"),
    ("Führerscheinnummer M261XBX0711 - mein Auto", "DRIVER_ID", "M261XBX0711"),
    ("NY DL: 724 519 386   Class D", "DRIVER_ID", "724 519 386"),
    ("Buyer FL DL #: B352-418-86-077-0      Phone", "DRIVER_ID", "B352-418-86-077-0"),
    # cards' codes and dates, PINs, hospital numbers, plates
    ("expires 03/28, CID 4172. Billing", "CREDIT_DEBIT_CARD_CVV", "4172"),
    ("gültig bis 09/27, Prüfnummer 731. Die", "CREDIT_DEBIT_CARD_EXPIRY", "09/27"),
    ("The code on the back is 318 if you need it.", "CREDIT_DEBIT_CARD_CVV", "318"),
    ("verify user_id=U-448812 mpin=5190 result=OK", "PIN", "5190"),
    ("change my debit card pin to 8316 while", "PIN", "8316"),
    ("UHID: SRMH-2023-0048817 Patient", "MEDICAL_RECORD_NUMBER", "SRMH-2023-0048817"),
    ("UHID: SCD/24/019934      Date", "MEDICAL_RECORD_NUMBER", "SCD/24/019934"),
    ("Vehicle Regn. No.: UK 07 BD 4417      Make", "LICENSE_PLATE", "UK 07 BD 4417"),
    ("issued against my car TS 09 EX 2281 on 14-07-2024", "LICENSE_PLATE", "TS 09 EX 2281"),
    ("pls report driver Teo, car SHC7437S, overcharged me", "LICENSE_PLATE", "SHC7437S"),  # Singapore's check letter
    # ages and birth dates as forms and people write them
    ("Age/Sex: 58 Y / Male", "AGE", "58"),
    ("S/O Late Venkata Reddy, aged about 63 years, residing at", "AGE", "63"),
    ("why was I charged a young driver fee? I'm 26.  RENTER", "AGE", "26"),
    ('mentioned he\'s 41 and "worried about', "AGE", "41"),
    ("Der 77-jährige Patient stellte sich vor", "AGE", "77"),
    ("Pt: KOWALSKI, JANINE M   DOB 19710822   Gender 2", "DATE_OF_BIRTH", "19710822"),
    ("my bday is aug 9 1998 if wufile asks", "DATE_OF_BIRTH", "aug 9 1998"),
    ("Date de naissance : 1989-07-23 Numéro", "DATE_OF_BIRTH", "1989-07-23"),
    # Labels as other EU languages write them.
    ("Fecha de nacimiento: 09/10/1990   Domicilio", "DATE_OF_BIRTH", "09/10/1990"),
    ("PAX 1: RUIZ / ANA MRS   F. nac.: 03/02/1979   Pasaporte", "DATE_OF_BIRTH", "03/02/1979"),
    ("il Sig. Marco Bassi, nato a Torino il 15/05/1962, residente", "DATE_OF_BIRTH", "15/05/1962"),
    ("2. Fatima Amrani, geboortedatum 05-01-1996, e-mail", "DATE_OF_BIRTH", "05-01-1996"),
    ("geb. 12-03-1975   rijbewijsnr 5412873096 (NL)", "DRIVER_ID", "5412873096"),
    ("Permis de conduire n° : 920369201847 délivré le", "DRIVER_ID", "920369201847"),
    ("residente a Modena, patente n. MO5128473K rilasciata", "DRIVER_ID", "MO5128473K"),
    ("auto: Volvo XC40, zwart, kenteken XG-524-T, VIN", "LICENSE_PLATE", "XG-524-T"),
    ("Veicolo: Fiat Tipo grigio, targa GF 218 KP, telaio", "LICENSE_PLATE", "GF 218 KP"),
    ("Vehículo: SEAT León, matrícula 4821 KLP, bastidor", "LICENSE_PLATE", "4821 KLP"),
    ("Peugeot 308 SW   Immat. : GH-482-KT   N° de série", "LICENSE_PLATE", "GH-482-KT"),
    ("adres Spuistraat 1, paspoort NW7K2LP84, tel", "PASSPORT_NUMBER", "NW7K2LP84"),
    ("Uw dossiernr: HAP-2210487. Vragen?", "MEDICAL_RECORD_NUMBER", "HAP-2210487"),
    ("Please bring your card. Patient no. KSZ-0048172.", "MEDICAL_RECORD_NUMBER", "KSZ-0048172"),
    # Handles written in sentences, configs and logs.
    ("Host infra\n    HostName 10.0.0.7\n    User tvanrijn\n    Port 2222", "USERNAME", "tvanrijn"),
    ("the db user hcarver is Hugo's personal login", "USERNAME", "hcarver"),
    ("make sure the lab booking account renata.s is disabled", "USERNAME", "renata.s"),
    ("pushed by GitHub user dvolkov-dev (his personal account)", "USERNAME", "dvolkov-dev"),
    ("Work notes: 08:14 [trowe] unlocked acct, reset pw", "USERNAME", "trowe"),
    ("No more authentication methods. migs.reyes@203.177.42.118: Permission denied", "USERNAME", "migs.reyes"),
    ("commit 9f2c\nAuthor: jpark-ops <jiwoo.park@example.io>", "USERNAME", "jpark-ops"),
    ("My username is noorelk_92. Please help", "USERNAME", "noorelk_92"),
    ("RADIUS: Access-Reject for user FRA\\akowalski, reason", "USERNAME", "FRA\\akowalski"),
    ("    Merge pull request #482 from nbansal-dev/fix-otp", "USERNAME", "nbansal-dev"),
    ("**jmcallister-sre** commented:\n> rotated", "USERNAME", "jmcallister-sre"),
    ("run: ssh -o StrictHostKeyChecking=no -l lmoreau 10.0.0.4", "USERNAME", "lmoreau"),
    ("find me on github as alejandro-rmz or twitter aleramirez_dev", "USERNAME", "alejandro-rmz"),
    ("find me on github as alejandro-rmz or twitter aleramirez_dev", "USERNAME", "aleramirez_dev"),
    ("landlord venmo is kwame-osei-rentals, pay by the 1st", "USERNAME", "kwame-osei-rentals"),
    ('<input name="username" value="giuli_espo93">', "USERNAME", "giuli_espo93"),
    ('10.1.2.3 - - [06/Dec/2025:22:14:09 +0000] "GET /u/jbrightwater HTTP/1.1" 200', "USERNAME", "jbrightwater"),
    ("hur ändrar jag? användarnamn: frida_eklund88", "USERNAME", "frida_eklund88"),
    # An age after its label in other languages, after sex, or said of a birthday to come.
    ("Nombre: Gerald McAllister\nEdad: 72 años", "AGE", "72"),
    ("Data urodzenia: 14.05.1962   Wiek: 64 lata", "AGE", "64"),
    ("NRIC: S8917342F        Sex/Age: M/56Y", "AGE", "56"),
    ("my dad Lim Ah Kow (turning 73 in May)", "AGE", "73"),
    # An age right after the person it belongs to.
    ("kids Leo (5) and Aurora (2), lactose free", "AGE", "5"),
    ("Kinder: Lotte (9 J.), Wout (6 J.)", "AGE", "9"),
    ("griepprik voor Jan-Willem Smit (67 jaar) op zaterdag", "AGE", "67"),
    ("l'ordonnance de Théo (3 ans) pour le vaccin", "AGE", "3"),
    ("Prospective client: Danielle Ruiz-Abernethy, 41, cell 602-555-0183", "AGE", "41"),
    ("08:40  Becker, Jonas          *02.12.2016   Tel. 030 / 781 44", "DATE_OF_BIRTH", "02.12.2016"),
    ("jane.doe@example.com · linkedin.com/in/jane-doe-4b21a9 · github.com/jdoe-data", "URL", "linkedin.com/in/jane-doe-4b21a9"),
    ("links: github.com/cwhitlatch · resume attached", "URL", "github.com/cwhitlatch"),
    ("actually paid to: hcbhat@ybl  (name shown was H BHAT)", "USERNAME", "hcbhat@ybl"),
    ("rent by UPI to venkatesh.murthy.k@okicici or to the bank", "USERNAME", "venkatesh.murthy.k@okicici"),
    ("Ach ja, ich bin 62, lohnt sich das noch?", "AGE", "62"),
    ("Ik ben 29 jaar, ongehuwd en gezond", "AGE", "29"),
    ("mi hija tiene 13 y quiere apuntarse", "AGE", "13"),
    ("Born 01/05/1958, turns 66 this week", "AGE", "66"),
    ("c'était pour mon fils, il a 14 ans et attendait", "AGE", "14"),
    ("Age / Gender      : 58 / F", "AGE", "58"),
    ("Age at enrollment: 3   Classroom: Chipmunks", "AGE", "3"),
    # mentions in Markdown bold, chat exports' handles
    ("**@nidhi-agarwal** wrote: the key is rotated", "USERNAME", "nidhi-agarwal"),
    ("**Opened by** @karthik-iyer", "USERNAME", "karthik-iyer"),
    ("[10:02 AM] meenakshi.s: are the forms pending?", "USERNAME", "meenakshi.s"),
    # birth dates, passports, records and licences in more languages; month names in them
    ("- Data urodzenia: 07.12.1993\n- Numer paszportu: EK4821637", "DATE_OF_BIRTH", "07.12.1993"),
    ("- Data urodzenia: 07.12.1993\n- Numer paszportu: EK4821637", "PASSPORT_NUMBER", "EK4821637"),
    ("Sökande: Oskar Nyström, född 1989-08-17 (37 år)", "DATE_OF_BIRTH", "1989-08-17"),
    ("Née le 30 août 1992 à Lyon", "DATE_OF_BIRTH", "30 août 1992"),
    ("Tempat/Tgl Lahir : Yogyakarta, 17 Agustus 1992", "DATE_OF_BIRTH", "17 Agustus 1992"),
    ("nato il 3 dicembre 1980 a Bari", "DATE_OF_BIRTH", "3 dicembre 1980"),
    ("N° de dossier patient : STR-2019-084471", "MEDICAL_RECORD_NUMBER", "STR-2019-084471"),
    ("Patient: Aroha Te Rangi   NHI: ZAC4713", "MEDICAL_RECORD_NUMBER", "ZAC4713"),
    ("My licence is DK493027.", "DRIVER_ID", "DK493027"),
]


@pytest.mark.parametrize(("text", "entity_type", "value"), POSITIVES, ids=[p[1] + ":" + p[0][:20] for p in POSITIVES])
def test_positive(engine, text, entity_type, value):
    assert (entity_type, value) in found(engine, text)


def test_private_key_and_jwt(engine):
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----"
    jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    text = f"key:\n{pem}\nauth: Bearer {jwt}"
    assert ("PRIVATE_KEY", pem) in found(engine, text)
    assert ("JWT", jwt) in found(engine, text)


HARD_NEGATIVES = [
    # a platform before prose, a route's own word, a merge's branch prefix
    "works on github as well; twitter is down", "GET /u/me then /profile/edit and /u/12345",
    "Merge pull request #12 from feature/login-form",
    "Gemiddelde leeftijd: 42,1 jaar. Mediane leeftijd: 44 jaar.", "Average age: 44 across the cohort", "mean patient age: 61",  # statistics
    "Order 86095742719 shipped",  # a valid Steuer-ID's digits without its cue
    "Steuer-ID 86 095 742 718",  # wrong check digit
    "Versicherungsnummer 15 070649 C 104",  # wrong check digit
    "Bring your passport (COVID19 rules apply) and form DS82.",  # a word with a number is no passport number
    "Passport renewal takes 6 weeks; fee USD130.",
    "Order #1234567890123456 shipped",  # Luhn-invalid 16 digits
    "request id 123e4567-e89b-12d3-a456-426614174000",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "upgrade to version 1.2.3.4 tonight",
    "released v2.14.0 at 2024-05-01T10:00:00Z",
    "total $1,299.99 incl. VAT",
    "SSN 000-12-3456 is a test value",
    "invoice 987654321 paid",
    "reference 4820193746 attached",
    "Microsoft Teams and Amazon Web Services are down",
    "Please duplicate 12345678 rows",  # 'lic' inside 'duplicate' is not a licence cue
    "turn left at Main St",
    "Dear team, thanks",
    "ping 10000 times",
    # credentials' stand-ins, system accounts and code are no one's
    "user = ${DB_USER}\npassword = ********\nDATABASE_URL=postgres://<user>:<password>@<host>:5432/<db>",
    "click password reset to continue; PASSWORD_MIN_LENGTH=8",
    "DEPLOY_USER=ubuntu\nssh -i key.pem root@build-host",
    "I bought my car 2024 and love it; MIT license 2.0 applies; the car SHC7437T is parked",
    "valid till 03/11/2024; expires on 19/12/2024; Chart #: 01/02/2024",  # dates, not card expiry or record numbers
    "Total Cholesterol 198 mg/dL (range 185-215) - PASS",
    "I am 5 minutes away; I'm 3 hours late; the score is 30.",  # numbers said of no one's age  # "dL" is no licence cue for a range
    "[12/5/24, 9:18 PM] Kumar: I park my car; plate issued 02/11/2024 at 2:15 PM",
    "@dataclass\nclass A:\n    @pytest.mark.parametrize('x', [1])\n * @param foo\nnpm i @types/node\ncurl -d @patient.json",
    "/** @type {string} */\n# @pytest.fixture",
    # an id or a record's key is no login; twelve digits of a 16-digit group are no Aadhaar; a sum is no plate;
    # a dated log line's hour is no phone number's end
    "POST /v2/checkout user_id=88127 status=200\nUID:7c2e91f0-4b3a-4d7e-9a11-62f0c8e5b3d4",
    "| 2    | 4716 2231 8840 1902   | fail  | REJECT |",
    "Bil: Volvo, reg.nr saknas\nMånadsinkomst: 42 300 kr resp. 38 900 kr",
    "05.11.2026 07:14  Die Sendung wurde bearbeitet.\n06.11.2026 11:02 Zustellung",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negative(engine, text):
    assert found(engine, text) == []


def test_a_bold_date_is_no_birth_date(engine):
    assert found(engine, "Deadline: **01.02.2025** for all") == []


def test_an_age_label_reaches_the_next_line_only_after_a_colon(engine):
    assert [value for kind, value in found(engine, "Age:\n45 and  id   age\n4    7") if kind == "AGE"] == ["45"]


def test_an_age_in_brackets_after_a_birth_date_is_one_only_if_the_date_gives_it(engine):
    born = date.today().year - 73
    text = f"DOB: 22-Nov-{born} ({73 - 1} y); tickets 12 May {date.today().year - 2} (3)"
    assert [value for kind, value in found(engine, text) if kind == "AGE"] == ["72"]


def test_a_date_whose_year_has_not_come_is_no_birth_date(engine):
    text = "Passport EK7391025, DOB 1995-04-18, exp 2031-11-20; child DOB 20310101"
    assert [value for kind, value in found(engine, text) if kind == "DATE_OF_BIRTH"] == ["1995-04-18"]


@pytest.mark.parametrize("text", [
    "the user reports that the account holder and user agent on the login page saw: account was closed",
    "Account board mind all teach. Account season impact. Your account locked",
    "log in as user admin, then user root",
])
def test_words_after_user_or_account_are_no_handles(engine, text):
    assert [f for f in found(engine, text) if f[0] == "USERNAME"] == []


@pytest.mark.parametrize("text", [
    "Tickets (2) and Vouchers (3) are in the cart",  # a count after a word that is no name
    "turning 30 degrees to the left; tiene 3 hijos",  # an angle, a count
    "See Section (4) of the contract, signed by Acme GmbH (2019)",  # a year and a clause, no name before them
])
def test_a_number_is_an_age_only_after_a_name_or_in_an_age_phrase(engine, text):
    assert [f for f in found(engine, text) if f[0] == "AGE"] == []


def test_context_gates_bare_digit_runs(engine):
    assert found(engine, "the number 123456789012 appears") == []
    assert ("US_BANK_ACCOUNT_NUMBER", "123456789012") in found(engine, "account number 123456789012")


def test_entity_selection_and_unknown_type():
    engine = PIIEngine(entities=["EMAIL"])
    assert [f.type for f in engine.detect("a@b.example and 4111 1111 1111 1111")] == ["EMAIL"]
    with pytest.raises(ValueError, match="NOT_A_TYPE"):
        PIIEngine(entities=["NOT_A_TYPE"])


def test_region_sets_phone_country():
    text = "ruf an: 030 1234567"
    assert ("PHONE", "030 1234567") in found(PIIEngine(region="eu-central-1"), text)


def test_findings_sorted_and_non_overlapping(engine):
    text = "Card 4111 1111 1111 1111, SSN 536-22-1234, mail a@b.example"
    findings = engine.detect(text)
    assert findings == sorted(findings, key=lambda f: f.start)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:]))


@pytest.mark.parametrize(
    "text",
    ["card 4111\u200b1111 1111 1111", "card \uff14\uff11\uff11\uff11 1111 1111 1111", "mail j\u0430ne@ex\u0430mple.com"],
)
def test_unicode_evasion_is_detected_with_original_offsets(engine, text):
    findings = engine.detect(text)
    assert findings, text
    redacted = engine.redact(text).text
    assert "1111 1111" not in redacted and "ne@ex" not in redacted


# One token of every vendor format the secrets recognizer knows, as it appears in a prompt: each must be found
# whole (a format whose start no anchor covers would leak unseen, as github_pat_ tokens once did).
VENDOR_TOKENS = (
    "ghp_" + "A1b2C3d4E5" * 3 + "f6G7h8",
    "gho_" + "a" * 36,
    "github_pat_11ABCDEFG0" + "x" * 12 + "_" + "Yz9" * 20,
    "xoxb-1234567890-abcdefghijkl",
    "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "rk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "sk-proj-" + "Ab3dE6gH9" * 4,
    "sk-ant-api03-" + "Ab3dE6gH9" * 4,
    "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "SG." + "abcdefghij0123456789AB" + "." + "abcdefghij0123456789ABCDEFGHIJ0123456789abc",
    "SK" + "0123456789abcdef" * 2,
    "glpat-" + "abcdefghij0123456789",
    "npm_" + "abcdefghij0123456789ABCDEFGHIJ012345",
    "hf_" + "abcdefghij0123456789ABCDEFGHIJ0123",
)


@pytest.mark.parametrize("token", VENDOR_TOKENS, ids=lambda t: t[:8])
def test_every_vendor_token_format_is_found(engine, token):
    text = f"Deploy failed, the log says: {token} (rotate it)."
    found = [(f.type, text[f.start:f.end]) for f in engine.detect(text)]
    assert ("API_TOKEN", token) in found


def test_a_narrow_engine_runs_only_its_rows_and_finds_what_a_full_one_finds_of_them(engine):
    text = "SSN 536-22-1234, card 4111 1111 1111 1111, mail jane.doe@example.com, DOB 01/02/1990"
    narrow = PIIEngine(entities=["EMAIL", "CREDIT_DEBIT_CARD_NUMBER"])
    tables = [r for r in narrow._recognizers if r.name == "pattern:table"]
    assert len(tables) == 1 and tables[0].entity_types == {"EMAIL", "CREDIT_DEBIT_CARD_NUMBER"}
    assert narrow.detect(text) == [f for f in engine.detect(text) if f.type in {"EMAIL", "CREDIT_DEBIT_CARD_NUMBER"}]
    assert [r for r in PIIEngine(entities=["NAME"])._recognizers if r.name.startswith("pattern:t")] == []


@pytest.mark.parametrize(("text", "entity_type", "value"), [
    ('{"accountNumber": "123456789012"}', "US_BANK_ACCOUNT_NUMBER", "123456789012"),
    ('{"dateOfBirth": "01/02/1990"}', "DATE_OF_BIRTH", "01/02/1990"),
    ("routingNumber=011000015", "US_BANK_ROUTING_NUMBER", "011000015"),
    ("passportNumber: 123456789", "US_PASSPORT_NUMBER", "123456789"),
    ("socialSecurityNumber: 536221234", "US_SOCIAL_SECURITY_NUMBER", "536221234"),
])
def test_cues_written_as_camel_case_keys_count(engine, text, entity_type, value):
    """JSON keys glue a cue's words ("accountNumber"); the cue regex allows that, and so must the index."""
    assert (entity_type, value) in found(engine, text)


@pytest.mark.parametrize(("text", "expected"), [
    ('{"age": 42}', [("AGE", "42")]),
    ('{"username": "jdoe42", "password": "hunter2!x"}', [("USERNAME", "jdoe42"), ("PASSWORD", "hunter2!x")]),
    ('{"user_id": "jdoe42", "pin": "1234"}', [("USERNAME", "jdoe42"), ("PIN", "1234")]),
    ("{'passwd': 's3cr3t!!'}", [("PASSWORD", "s3cr3t!!")]),
    ('"age": "42 days"', []),
])
def test_labelled_values_as_json_writes_them(engine, text, expected):
    """Quoted keys and values: the label's closing quote and the value's opening one stand between label and value."""
    assert found(engine, text) == expected


def test_a_cue_after_a_comma_names_the_next_value(engine):
    """"passport 914786437, ITIN 908-71-9484": the ITIN cue belongs to the ITIN (914786437 passes ITIN's rules)."""
    text = "US passport number 914786437, ITIN 908-71-9484."
    found = {(f.type, text[f.start:f.end]) for f in engine.detect(text)}
    assert found == {("US_PASSPORT_NUMBER", "914786437"), ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "908-71-9484")}
    # with no comma between, a cue after the value still counts
    assert [(f.type, f.end) for f in engine.detect("914786437 (ITIN)")] == [("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", 9)]


def test_a_phone_number_without_its_cue_gives_way_but_is_still_redacted(engine):
    """Without a phone cue a national number is reported unvalidated (so a cued identifier over it ranks first), but
    a number no other row takes stays a phone number: nothing is left in clear."""
    text = "Account manager 415-555-0123"
    [finding] = engine.detect(text)
    assert (finding.type, text[finding.start:finding.end], finding.validated) == ("PHONE", "415-555-0123", False)
    [cued] = engine.detect("Account manager, phone 415-555-0123")
    assert (cued.type, cued.validated) == ("PHONE", True)


def test_a_plausibility_filter_does_not_make_a_finding_validated(engine):
    """A plate's letters-or-five-digits filter is no checksum: "90996" near "license plate" must not cut the address
    it starts (validated findings win overlaps)."""
    text = "license plate 661318. It was parked outside 90996 Theresa Cape, West Robert, ND 15940 overnight."
    assert ("ADDRESS", "90996 Theresa Cape, West Robert, ND 15940") in found(engine, text)
    assert ("LICENSE_PLATE", "661318") in found(engine, text)
