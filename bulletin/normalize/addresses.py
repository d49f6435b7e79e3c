"""Web addresses, e-mail addresses, hashtags and handles: spelled the way radio says them."""

from __future__ import annotations

import re

from .numbers import cardinal_str, digits_words

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
    """``https://www.exemple.fr/page`` → "www point exemple point fr barre oblique page"."""

    def url(m: re.Match[str]) -> str:
        s = re.sub(r"^https?://", "", m[0], flags=re.I).rstrip("/")
        return " " + _spell_address(s, locale) + " "

    if "://" not in text and "www." not in text.lower() and "@" not in text:  # most sentences
        return text
    text = _URL.sub(url, text)
    return _EMAIL.sub(lambda m: " " + _spell_address(m[0], locale) + " ", text)


def _split_camel(word: str) -> str:
    return re.sub(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])|(?<=[A-Za-zÀ-ÿ])(?=\d)|(?<=\d)(?=[A-Za-zÀ-ÿ])", " ", word)


def read_hashtags(text: str, locale: str) -> str:
    """``#AvecBarto`` → "hashtag Avec Barto"; ``@bulletin`` → "arobase bulletin"."""
    if "#" not in text and "@" not in text:
        return text
    text = re.sub(r"(?<![\w&])#(\w+)", lambda m: " hashtag " + _split_camel(m[1]) + " ", text)
    return re.sub(r"(?<![\w.])@(\w+)", lambda m: " arobase " + _split_camel(m[1]) + " ", text)
