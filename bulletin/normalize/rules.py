"""Speech rules: each a ``str -> str`` step, applied in order by :func:`normalize_text`.

Order matters: things that contain digits with a meaning of their own (URLs, dates, times,
money, units, ordinals) are read before bare numbers, and the last step reads any digit left
one by one, so nothing an engine receives holds a digit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ..french import MONTHS
from .numbers import (
    cardinal,
    cardinal_str,
    decimal,
    digits_words,
    feminine,
    ordinal,
    roman_value,
)

Rule = Callable[[str, str], str]

_SP = "[ \u00a0\u202f\u2009]"  # space, no-break, narrow no-break, thin
_NUM = rf"\d{{1,3}}(?:(?:{_SP}|\.)\d{{3}})+(?!\d)|\d+"  # 11 000, 3.000, 1.500.000, 42
_NUMBER = re.compile(rf"(?<![\w.,])([-−+]?)({_NUM})(?:,(\d+))?(?![\w])")
_MONTH_ALT = "|".join(MONTHS) + "|fevrier|aout|decembre"
_FEMININE_NOUNS = (
    "heure|heures|personne|personnes|fois|semaine|semaines|année|années|minute|minutes|seconde|"
    "secondes|tonne|tonnes|voiture|voitures|femme|femmes|victime|victimes|journée|journées|"
    "commune|communes|entreprise|entreprises|page|pages|place|places|tranche|tranches|"
    "école|écoles|ville|villes|région|régions|maison|maisons|route|routes|centaine|centaines|"
    "dizaine|dizaines|livre|livres|couronne|couronnes|voix|nuit|nuits|balle|balles|édition|éditions"
)
_FEM_AFTER = re.compile(rf"^{_SP}*(?:{_FEMININE_NOUNS})\b")


def digits_of(token: str) -> str:
    return re.sub(r"\D", "", token)


def say_number(sign: str, int_part: str, frac: str | None, locale: str) -> str:
    words = decimal(int_part, frac, locale) if frac else cardinal_str(int_part, locale)
    if sign in ("-", "−"):
        words = "moins " + words
    elif sign == "+":
        words = "plus " + words
    return words


def _number_match(m: re.Match[str], locale: str, text: str) -> str:
    words = say_number(m[1], digits_of(m[2]), m[3], locale)
    if not m[3] and _FEM_AFTER.match(text[m.end() :]):
        words = feminine(words)
    return words


# --- emoji, URLs, e-mail, hashtags -----------------------------------------------------------


def drop_emoji(text: str, locale: str) -> str:
    """Emoji and pictographs are not read; variation selectors and joiners go with them."""
    out = []
    for ch in text:
        cp = ord(ch)
        if (
            0x1F000 <= cp <= 0x1FAFF
            or 0x2600 <= cp <= 0x27BF
            or cp in (0x200D, 0xFE0F, 0xFE0E, 0x20E3)
            or 0x1F1E6 <= cp <= 0x1F1FF
            or 0xE0020 <= cp <= 0xE007F
        ):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


_SPELL_CHARS = {
    ".": " point ",
    "/": " barre oblique ",
    "-": " tiret ",
    "_": " tiret bas ",
    "@": " arobase ",
    ":": " deux-points ",
    "?": " point d'interrogation ",
    "=": " égale ",
    "&": " et ",
    "#": " dièse ",
    "~": " tilde ",
    "+": " plus ",
    "%": " pour cent ",
}


def _spell_address(s: str, locale: str) -> str:
    out = []
    for part in re.split(r"([./\-_@:?=&#~+%])", s):
        if not part:
            continue
        if part in _SPELL_CHARS:
            out.append(_SPELL_CHARS[part])
        elif part.isdigit():
            out.append(cardinal_str(part, locale) if len(part) <= 4 else digits_words(part))
        else:
            out.append(re.sub(r"(\d+)", lambda m: " " + cardinal_str(m[1], locale) + " ", part))
    return re.sub(r"\s+", " ", "".join(out)).strip()


_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>«»\"“”]+[^\s<>«»\"“”.,;:!?)\]]", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


def read_urls(text: str, locale: str) -> str:
    def url(m: re.Match[str]) -> str:
        s = re.sub(r"^https?://", "", m[0], flags=re.I).rstrip("/")
        return " " + _spell_address(s, locale) + " "

    text = _URL.sub(url, text)
    return _EMAIL.sub(lambda m: " " + _spell_address(m[0], locale) + " ", text)


def _split_camel(word: str) -> str:
    return re.sub(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])|(?<=[A-Za-zÀ-ÿ])(?=\d)|(?<=\d)(?=[A-Za-zÀ-ÿ])", " ", word)


def read_hashtags(text: str, locale: str) -> str:
    text = re.sub(r"(?<![\w&])#(\w+)", lambda m: " hashtag " + _split_camel(m[1]) + " ", text)
    return re.sub(r"(?<![\w.])@(\w+)", lambda m: " arobase " + _split_camel(m[1]) + " ", text)


# --- dates and times -------------------------------------------------------------------------


def _say_day(day: int, locale: str) -> str:
    return "premier" if day == 1 else cardinal(day, locale)


def _valid(day: int, month: int, year: int | None) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    limits = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if month == 2 and year is not None and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return day <= 28
    return day <= limits[month - 1]


def read_dates(text: str, locale: str) -> str:
    def iso(m: re.Match[str]) -> str:
        y, mo, d = int(m[1]), int(m[2]), m[3]
        if not 1 <= mo <= 12:
            return m[0]
        if d is None:
            return f"{MONTHS[mo - 1]} {cardinal(y, locale)}"
        if not _valid(int(d), mo, y):
            return m[0]
        return f"{_say_day(int(d), locale)} {MONTHS[mo - 1]} {cardinal(y, locale)}"

    text = re.sub(r"(?<![\d/.-])(\d{4})-(\d{2})(?:-(\d{2}))?(?![\d-])", iso, text)

    def numeric(m: re.Match[str]) -> str:
        d, mo, y = int(m[1]), int(m[2]), m[3]
        year = int(y) if y else None
        if year is not None and len(y) == 2:
            year = 2000 + year if year < 50 else 1900 + year
        if not _valid(d, mo, year):
            parts = [m[1], m[2]] + ([y] if y else [])
            return " barre oblique ".join(cardinal_str(p, locale) for p in parts)
        out = f"{_say_day(d, locale)} {MONTHS[mo - 1]}"
        return out + (f" {cardinal(year, locale)}" if year is not None else "")

    text = re.sub(r"(?<![\d/.,])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])", numeric, text)
    text = re.sub(r"(?<![\d/.,])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])", numeric, text)
    # 1er janvier, 1er mai 2020: the day of the month is "premier"
    text = re.sub(rf"\b1(?:er|ᵉʳ)(?={_SP}+(?:{_MONTH_ALT})\b)", "premier", text, flags=re.I)
    return text


def read_times(text: str, locale: str) -> str:
    def hm(m: re.Match[str]) -> str:
        h, mins = int(m[1]), m[2]
        if h > 24 or (mins and int(mins) > 59):
            return m[0]
        hours = feminine(cardinal(h, locale)) + (" heure" if h <= 1 else " heures")
        if mins and int(mins):
            return f"{hours} {feminine(cardinal(int(mins), locale))}" if int(mins) != 0 else hours
        return hours

    # 9 h 11, 14h30, 8h, 20 h 00 — "h" must stand alone (not "hab", "ha").
    text = re.sub(rf"(?<![\d,.])(\d{{1,2}}){_SP}?h{_SP}?(\d{{2}})?(?![\w])", hm, text)
    text = re.sub(r"(?<![\d,.])(\d{1,2}):(\d{2})(?![\d:])", hm, text)
    return text


# --- money, percentages, units ---------------------------------------------------------------

_CURRENCY = {
    "€": ("euro", "euros", "centime", "centimes"),
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("livre", "livres", "penny", "pence"),
    "CHF": ("franc suisse", "francs suisses", "centime", "centimes"),
    "¥": ("yen", "yens", "", ""),
    "EUR": ("euro", "euros", "centime", "centimes"),
    "USD": ("dollar", "dollars", "cent", "cents"),
}
_CUR = r"€|\$|£|¥|CHF|EUR|USD"
_SCALE = r"(?:millions?|milliards?|mille|billions?)"
_AMOUNT = rf"({_NUM})(?:,(\d+))?"


def _money(sign: str, int_part: str, frac: str | None, cur: str, scale: str | None, locale: str) -> str:
    one, many, sub_one, sub_many = _CURRENCY[cur]
    n = int(digits_of(int_part) or "0") if len(digits_of(int_part)) <= 15 else 10**15
    prefix = "moins " if sign in ("-", "−") else ""
    if scale:
        amount = say_number("", digits_of(int_part), frac, locale)
        de = "d'" if many[0] in "aeiouy" else "de "
        return f"{prefix}{amount} {scale} {de}{many}"
    if frac and len(frac) == 2 and sub_one:
        whole = cardinal_str(digits_of(int_part), locale)
        cents = int(frac)
        if n == 0:
            return f"{prefix}{cardinal(cents, locale)} {sub_one if cents == 1 else sub_many}"
        unit = one if n == 1 else many
        return f"{prefix}{whole} {unit}" + (f" {cardinal(cents, locale)}" if cents else "")
    amount = say_number("", digits_of(int_part), frac, locale)
    unit = one if (n < 2 and not frac) else many
    if cur == "£" and feminine(amount) != amount:
        amount = feminine(amount)
    return f"{prefix}{amount} {unit}"


def read_money(text: str, locale: str) -> str:
    text = re.sub(
        rf"([-−]?)(?<![\w,.]){_AMOUNT}{_SP}*(?:({_SCALE}){_SP}*(?:d['’]|de{_SP}+)?)?({_CUR})(?![\w])",
        lambda m: _money(m[1], m[2], m[3], m[5], m[4], locale),
        text,
    )
    return re.sub(
        rf"({_CUR}){_SP}?([-−]?){_AMOUNT}(?:{_SP}+({_SCALE}))?(?![\w,])",
        lambda m: _money(m[2], m[3], m[4], m[1], m[5], locale),
        text,
    )


def read_percent(text: str, locale: str) -> str:
    return re.sub(
        rf"([-−+]?)(?<![\w,.]){_AMOUNT}{_SP}*%",
        lambda m: say_number(m[1], digits_of(m[2]), m[3], locale) + " pour cent",
        text,
    )


_UNITS: dict[str, tuple[str, str]] = {
    "km/h": ("kilomètre heure", "kilomètres heure"),
    "km²": ("kilomètre carré", "kilomètres carrés"),
    "m²": ("mètre carré", "mètres carrés"),
    "m³": ("mètre cube", "mètres cubes"),
    "km": ("kilomètre", "kilomètres"),
    "cm": ("centimètre", "centimètres"),
    "mm": ("millimètre", "millimètres"),
    "m": ("mètre", "mètres"),
    "kg": ("kilo", "kilos"),
    "g": ("gramme", "grammes"),
    "mg": ("milligramme", "milligrammes"),
    "t": ("tonne", "tonnes"),
    "l": ("litre", "litres"),
    "L": ("litre", "litres"),
    "ml": ("millilitre", "millilitres"),
    "cl": ("centilitre", "centilitres"),
    "ha": ("hectare", "hectares"),
    "°C": ("degré Celsius", "degrés Celsius"),
    "°F": ("degré Fahrenheit", "degrés Fahrenheit"),
    "°": ("degré", "degrés"),
    "kW": ("kilowatt", "kilowatts"),
    "MW": ("mégawatt", "mégawatts"),
    "kWh": ("kilowattheure", "kilowattheures"),
    "Go": ("gigaoctet", "gigaoctets"),
    "Mo": ("mégaoctet", "mégaoctets"),
    "min": ("minute", "minutes"),
    "mn": ("minute", "minutes"),
    "s": ("seconde", "secondes"),
    "ms": ("milliseconde", "millisecondes"),
    "hab.": ("habitant", "habitants"),
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))


def read_units(text: str, locale: str) -> str:
    def unit(m: re.Match[str]) -> str:
        sign, ip, frac, u = m[1], m[2], m[3], m[4]
        words = say_number(sign, digits_of(ip), frac, locale)
        n = int(digits_of(ip)) if len(digits_of(ip)) < 16 else 10**16
        one, many = _UNITS[u]
        if one in ("tonne", "minute", "seconde", "milliseconde") and not frac:
            words = feminine(words)
        return f"{words} {one if n < 2 else many}"

    return re.sub(rf"([-−+]?)(?<![\w,.]){_AMOUNT}{_SP}*({_UNIT_RE})(?![\w²³])", unit, text)


# --- ordinals, Roman numerals, ranges, fractions ---------------------------------------------


def read_ordinals(text: str, locale: str) -> str:
    def arabic(m: re.Match[str]) -> str:
        n, suf = int(m[1]), m[2].lower()
        if suf in ("re", "ère", "ʳᵉ"):
            return ordinal(n, locale, feminine_form=True)
        if suf in ("nd", "d"):
            return "second"
        if suf in ("nde", "de"):
            return "seconde"
        return ordinal(n, locale)

    text = re.sub(r"\b(\d{1,6})(er|ère|re|ème|e|è|nde|nd|ᵉ|ᵉʳ|ʳᵉ)(?![\w])", arabic, text)

    def roman_ord(m: re.Match[str]) -> str:
        v = roman_value(m[1])
        if v is None:
            return m[0]
        suf = m[2].lower()
        if v == 1 and suf in ("er", "ᵉʳ"):
            return "premier"
        return ordinal(v, locale, feminine_form=suf in ("re", "ère"))

    # Starting with I, V or X so that "Le", "Ce", "De" and "Me" stay words.
    text = re.sub(r"\b([IVX][IVXLC]{0,6})(er|ère|re|ème|e|ᵉ|ᵉʳ)(?![\w])", roman_ord, text)

    def regnal(m: re.Match[str]) -> str:
        v = roman_value(m[2])
        if v is None or v > 39:
            return m[0]
        return f"{m[1]} {'premier' if v == 1 and m[2] == 'Ier' else cardinal(v, locale)}"

    # Louis XIV, Jean-Paul II, Elizabeth II, François Ier, chapitre IV: a name then a numeral.
    text = re.sub(
        r"\b([A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-ZÀ-Þ][a-zà-ÿ]+)?|[Cc]hapitre|[Aa]cte|[Tt]ome|[Ss]aison)\s+(Ier|[IVXL]{1,6})\b(?![-'’])",
        regnal,
        text,
    )
    return text


_FRACTIONS = {2: ("demi", "demis"), 3: ("tiers", "tiers"), 4: ("quart", "quarts")}


def read_fractions_ranges(text: str, locale: str) -> str:
    def fraction(m: re.Match[str]) -> str:
        a, b = int(m[1]), int(m[2])
        if b == 0 or b > 100:
            return f"{cardinal(a, locale)} sur {cardinal(b, locale)}"
        one, many = _FRACTIONS.get(b, (ordinal(b, locale), ordinal(b, locale) + "s"))
        return f"{cardinal(a, locale)} {one if a < 2 else many}"

    text = re.sub(r"(?<![\w/.,])(\d{1,3})/(\d{1,3})(?![\w/])", fraction, text)
    # Ranges and scores: 2009-2016, 10-15, 3-1 → "à"
    text = re.sub(
        rf"(?<![\w.,-])({_NUM})(?:,(\d+))?{_SP}?[-–]{_SP}?({_NUM})(?:,(\d+))?(?![\w-])",
        lambda m: f"{say_number('', digits_of(m[1]), m[2], locale)} à {say_number('', digits_of(m[3]), m[4], locale)}",
        text,
    )
    return text


# --- abbreviations and acronyms --------------------------------------------------------------

_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bMM\.(?=\s)", "messieurs"),
    (r"\bM\.(?=\s+[A-ZÀ-Þ])", "monsieur"),
    (r"\bMmes\b\.?", "mesdames"),
    (r"\bMme\b\.?", "madame"),
    (r"\bMlles?\b\.?", "mademoiselle"),
    (r"\bMe\b(?=\s+[A-ZÀ-Þ])", "maître"),
    (r"\bDr\b\.?(?=\s)", "docteur"),
    (r"\bPr\b\.?(?=\s)", "professeur"),
    (r"\bMgr\b\.?", "monseigneur"),
    (r"\bSte\b\.?(?=[\s-])", "sainte"),
    (r"\bSt\b\.?(?=[\s-])", "saint"),
    (r"\b[nN]°\s*", "numéro "),
    (r"\bn[oº]\.?\s*(?=\d)", "numéro "),
    (r"\betc\.", "et cetera."),
    (r"\betc\b", "et cetera"),
    (r"\bcf\.", "confer"),
    (r"\bp\.\s*(?=\d)", "page "),
    (r"\bpp\.\s*(?=\d)", "pages "),
    (r"\bav\.\s*J\.?-C\.?", "avant Jésus-Christ"),
    (r"\bapr\.\s*J\.?-C\.?", "après Jésus-Christ"),
    (r"\bJ\.-C\.", "Jésus-Christ"),
    (r"\benv\.(?=\s)", "environ"),
    (r"\btél\.(?=\s)", "téléphone"),
    (r"\bav\.(?=\s)", "avenue"),
    (r"\bbd\b\.?(?=\s)", "boulevard"),
    (r"\bvol\.(?=\s*\d)", "volume"),
    (r"\bex\.(?=\s)", "par exemple"),
    (r"\bi\.e\.", "c'est-à-dire"),
    (r"\bc\.-à-d\.", "c'est-à-dire"),
    (r"\bhab\.(?=\s|$)", "habitants"),
    (r"\bMds?\b", "milliards"),
    (r"\bMns?\b", "millions"),
)


def expand_abbreviations(text: str, locale: str) -> str:
    for pattern, spoken in _ABBREVIATIONS:
        text = re.sub(pattern, spoken, text)
    return text


_VOWELS = set("AEIOUYÀÂÉÈÊËÎÏÔÛÙÜ")


def acronym_reading(word: str) -> str:
    """Default rule when the lexicon says nothing: read it as a word if French could, else spell."""
    letters = word.upper()
    vowels = sum(1 for c in letters if c in _VOWELS)
    pronounceable = (
        len(letters) >= 4
        and vowels / len(letters) >= 0.35
        and not re.search(r"[^AEIOUYÀÂÉÈÊËÎÏÔÛÙÜ]{3}", letters)
        and letters[-2:] not in ("CF", "TF", "PS", "FN", "RT")
    )
    if pronounceable:
        return word.capitalize()
    return " ".join(letters)


# Ordinary French words typed in capitals (headlines) are words, not acronyms.
_CAPS_WORDS = set(
    [
        "UN",
        "UNE",
        "DEUX",
        "TROIS",
        "QUATRE",
        "CINQ",
        "SIX",
        "SEPT",
        "HUIT",
        "NEUF",
        "DIX",
        "ONZE",
        "DOUZE",
        "VINGT",
        "TRENTE",
        "CENT",
        "CENTS",
        "MILLE",
        "LE",
        "LA",
        "LES",
        "DE",
        "DU",
        "DES",
        "ET",
        "EN",
        "AU",
        "AUX",
        "UNE",
        "SUR",
        "PAR",
        "POUR",
        "PAS",
        "NON",
        "OUI",
        "MORT",
        "MORTS",
        "MIX",
        "CIVIL",
        "CIVILS",
        "VIE",
        "FIN",
        "CRISE",
        "GUERRE",
        "PAIX",
        "LOI",
        "ROI",
        "ELLE",
        "IL",
        "ILS",
        "EST",
        "SONT",
        "ONT",
        "AVEC",
        "SANS",
        "DANS",
        "TOUT",
        "TOUS",
        "FEU",
        "EAU",
        "AIR",
        "MAI",
        "MARS",
        "JUIN",
    ]
)


def read_acronyms(text: str, locale: str) -> str:
    def acr(m: re.Match[str]) -> str:
        word = m[0]
        if word in _CAPS_WORDS:
            return word.lower()
        if roman_value(word) is not None and len(word) <= 3 and word not in ("CD", "DC", "CM", "MM", "LCD"):
            # A lone Roman numeral left over (not after a name): spell it as a number.
            v = roman_value(word)
            return cardinal(v, locale) if v and v < 40 and word not in ("I", "C", "D", "M", "L") else " ".join(word)
        return acronym_reading(word)

    return re.sub(r"(?<![\w-])[A-ZÀ-Þ]{2,8}(?![\w'’])", acr, text)


# --- symbols and bare numbers ----------------------------------------------------------------


def read_symbols(text: str, locale: str) -> str:
    text = re.sub(r"(?<=\w)\s*&\s*(?=\w)", " et ", text)
    text = re.sub(r"\s&\s", " et ", text)
    text = re.sub(r"(?<=[\d\s])\+(?=[\s\d])", " plus ", text)
    text = re.sub(r"\s=\s|(?<=\d)=(?=\d)", " égale ", text)
    text = re.sub(r"(?<=\d)\s*[x×]\s*(?=\d)", " fois ", text)
    text = re.sub(r"\bet/ou\b", "et ou", text)
    text = re.sub(r"(?<=\d)/(?=\d)", " sur ", text)
    text = re.sub(r"(?<=\w)/(?=\w)", " ", text)
    text = text.replace("§", " paragraphe ").replace("‰", " pour mille ").replace("%", " pour cent")
    text = text.replace("°", " degrés ").replace("€", " euros ").replace("$", " dollars ").replace("£", " livres ")
    return text.replace("&", " et ").replace("+", " plus ").replace("=", " égale ")


def read_numbers(text: str, locale: str) -> str:
    def dotted(m: re.Match[str]) -> str:
        # 1.2.3.4, version numbers, IP addresses: read each part, "point" between.
        return " point ".join(cardinal_str(p, locale) for p in m[0].split("."))

    text = re.sub(
        r"(?<![\w.])\d+(?:\.\d+){2,}(?![\w])(?!\.\d)",
        lambda m: m[0] if re.fullmatch(rf"{_NUM}", m[0]) else dotted(m),
        text,
    )
    text = re.sub(r"(?<![\w.])\d+\.\d{1,2}(?![\d\w])", lambda m: dotted(m), text)
    text = _NUMBER.sub(lambda m: _number_match(m, locale, m.string), text)
    # numbers glued to letters (G20, A380, 4x4): split and read
    text = re.sub(r"\d+", lambda m: " " + cardinal_str(m[0], locale) + " ", text)
    return text


def tidy(text: str, locale: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"[ \t\u00a0\u202f\u2009]+", " ", text).strip()


RULES: tuple[Rule, ...] = (
    drop_emoji,
    read_urls,
    read_hashtags,
    expand_abbreviations,
    read_dates,
    read_times,
    read_money,
    read_percent,
    read_units,
    read_ordinals,
    read_fractions_ranges,
    read_acronyms,
    read_numbers,
    read_symbols,
    tidy,
)
