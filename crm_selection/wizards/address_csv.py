"""Reading address files: encoding and delimiter detection, header guessing, normalization.

Plain Python without the ORM, so that the import wizard of a selection, and later those of a
campaign or a sale order, read a file the same way. Errors are raised as ``AddressFileError``
with a code and parameters; the caller turns them into a translated message.
"""

import codecs
import csv
import io
import re
import unicodedata

# Encodings in the order a file of German, Swiss or Polish addresses most likely uses them.
# Windows-1250 is what Polish Excel writes; it is tried with the other one-byte encodings.
ENCODINGS = ("utf-8-sig", "utf-8", "cp1252", "iso-8859-2", "cp1250")
SINGLE_BYTE_ENCODINGS = ("cp1252", "iso-8859-2", "cp1250")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = (";", ",", "\t", "|")
SAMPLE_LINES = 50

# Letters expected in German, Swiss, Polish, French and Italian addresses.
EXPECTED_LETTERS = frozenset("äöüÄÖÜßąćęłńóśźżĄĆĘŁŃÓŚŹŻàâçéèêëîïôûùÿœÀÂÇÉÈÊËÎÏÔÛÙŒìòÌÒ")
# Punctuation and symbols an address file may well contain: the euro sign, German and
# English quotation marks, guillemets, dashes, ellipsis, bullet, degree, section, middle dot,
# multiplication sign and no-break space.
EXPECTED_SYMBOLS = frozenset(
    "\u20ac\u201e\u201c\u201d\u201a\u2018\u2019\u00ab\u00bb\u2013\u2014\u2026\u2022\u00b0"
    "\u00a7\u00b7\u00d7\u00a0"
)

# Header names (normalized) in English, German and Polish, by field of the import.
HEADER_ALIASES = {
    "name": (
        "name",
        "full name",
        "contact",
        "contact name",
        "contact person",
        "person",
        "ansprechpartner",
        "kontakt",
        "kontaktperson",
        "nazwa",
        "imie i nazwisko",
        "osoba kontaktowa",
    ),
    "first_name": ("first name", "firstname", "given name", "vorname", "imie"),
    "last_name": ("last name", "lastname", "surname", "family name", "nachname", "nazwisko"),
    "company": (
        "company",
        "company name",
        "organization",
        "organisation",
        "firma",
        "firmenname",
        "unternehmen",
        "nazwa firmy",
    ),
    "street": (
        "street",
        "address",
        "street address",
        "address line 1",
        "strasse",
        "str",
        "adresse",
        "anschrift",
        "business street",
        "ulica",
        "adres",
    ),
    "street2": ("street2", "street 2", "address line 2", "adresszusatz", "zusatz", "adres 2"),
    "zip": (
        "zip",
        "zip code",
        "zipcode",
        "postal code",
        "postcode",
        "post code",
        "plz",
        "postleitzahl",
        "business postal code",
        "kod pocztowy",
        "kod",
    ),
    "city": ("city", "business city", "town", "ort", "stadt", "wohnort", "miasto", "miejscowosc"),
    "country": (
        "country",
        "country code",
        "country region",
        "business country region",
        "land",
        "staat",
        "kraj",
        "panstwo",
    ),
    "email": (
        "email",
        "e mail",
        "mail",
        "email address",
        "e mail address",
        "e mail adresse",
        "e mail 1",
        "adres e mail",
        "adres email",
    ),
    "phone": (
        "phone",
        "business phone",
        "telephone",
        "phone number",
        "tel",
        "telefon",
        "telefonnummer",
        "nr telefonu",
    ),
    "vat": (
        "vat",
        "vat id",
        "vat number",
        "tax id",
        "ust idnr",
        "ust id",
        "ust id nr",
        "umsatzsteuer id",
        "uid",
        "nip",
    ),
    "function": (
        "function",
        "job title",
        "job position",
        "position",
        "funktion",
        "stanowisko",
    ),
    "form_of_address": (
        "form of address",
        "salutation",
        "title",
        "gender",
        "anrede",
        "geschlecht",
        "zwrot grzecznosciowy",
        "plec",
    ),
    "academic_title": ("academic title", "titel", "akademischer titel", "tytul", "tytul naukowy"),
}
HEADER_FIELDS = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}

# Letters NFKD does not split into a base letter and an accent.
TRANSLITERATION = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "æ": "ae", "ø": "o", "đ": "d"})
NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


class AddressFileError(Exception):
    """A file that cannot be read as CSV; ``code`` names the problem, ``params`` its details."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# ------------------------------------------------------------
# Normalization
# ------------------------------------------------------------


def normalize_text(value):
    """Lower case, no accents, words of letters and digits separated by one space."""
    value = unicodedata.normalize("NFKD", (value or "").translate(TRANSLITERATION))
    value = "".join(char for char in value if not unicodedata.combining(char)).lower()
    return NOT_ALPHANUMERIC.sub(" ", value).strip()


def normalize_code(value):
    """Postal codes and VAT numbers: upper case letters and digits only."""
    return normalize_text(value).replace(" ", "").upper()


def guess_field(header):
    """The import field a column header most likely means, or False."""
    return HEADER_FIELDS.get(normalize_text(header), False)


# ------------------------------------------------------------
# Encoding
# ------------------------------------------------------------


def decode(data, encoding=None):
    """Return ``(text, encoding)`` of the bytes of a file.

    With an ``encoding`` the bytes are decoded strictly with it. Otherwise a byte order mark
    decides first, then strict UTF-8, then among the one-byte encodings the one whose text
    has the fewest characters improbable in German or Polish addresses (ties go to the more
    common encoding).
    """
    if not data:
        raise AddressFileError("empty")
    if encoding:
        try:
            return _clean(data.decode(encoding)), encoding
        except (UnicodeDecodeError, LookupError) as error:
            raise AddressFileError("encoding", encoding=encoding) from error
    for bom, bom_encoding in BOMS:
        if data.startswith(bom):
            try:
                return _clean(data.decode(bom_encoding)), bom_encoding
            except UnicodeDecodeError as error:
                raise AddressFileError("encoding", encoding=bom_encoding) from error
    if _looks_binary(data):
        raise AddressFileError("binary")
    try:
        return _clean(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for rank, candidate in enumerate(SINGLE_BYTE_ENCODINGS):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        candidates.append((improbability(text), rank, text, candidate))
    _score, _rank, text, encoding = min(candidates)
    return _clean(text), encoding


def improbability(text):
    """How unlikely the non-ASCII characters of ``text`` are in German or Polish addresses."""
    score = 0
    for char in text:
        if char < "\x80" or char in EXPECTED_LETTERS or char in EXPECTED_SYMBOLS:
            continue
        category = unicodedata.category(char)
        if category.startswith("L"):
            score += 1  # a letter of another language: possible, but unusual
        elif category == "Cc":
            score += 3  # a control character: surely the wrong encoding
        else:
            score += 2  # a symbol amidst letters: most likely a mis-decoded letter
    return score


def _looks_binary(data):
    head = data[:4096]
    return b"\x00" in head or head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF"))


def _clean(text):
    return text.replace("\x00", "")


# ------------------------------------------------------------
# Delimiter and rows
# ------------------------------------------------------------


def detect_delimiter(text):
    """The delimiter among ``; , tab |`` that splits the first lines into the same columns."""
    sample = "\n".join(text.splitlines()[:SAMPLE_LINES])
    scores = {delimiter: _consistency(sample, delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: scores[delimiter])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in scores and scores[sniffed] >= scores[best]:
        return sniffed
    return best if scores[best][1] > 1 else ","


def _consistency(sample, delimiter):
    """(rows as wide as the first one, width of the first row) when split by ``delimiter``."""
    try:
        widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
    except csv.Error:
        return (0, 0)
    if not widths or widths[0] < 2:
        return (0, 0)
    return (sum(width == widths[0] for width in widths), widths[0])


def read_rows(text, delimiter):
    """The rows of the file as lists of stripped strings, with their row number (from 1).

    Empty rows are left out but still counted, so row numbers are those of a spreadsheet.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for number, row in enumerate(reader, start=1):
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append((number, cells))
    except csv.Error as error:
        raise AddressFileError("csv", row=reader.line_num, message=str(error)) from error
    if not rows:
        raise AddressFileError("empty")
    return rows


def has_header(first_row):
    """Whether the first row names its columns: one of its cells is a known header."""
    return any(guess_field(cell) for cell in first_row)
