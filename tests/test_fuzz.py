"""Fuzzing with hypothesis (bounded, so CI stays quick): the reader, the quote detection and the
normaliser raise nothing but the package's own errors, keep every word in order, leave no digit
in spoken text and never speak more than 20 times the input."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bulletin.article import decode_bytes, parse_html, parse_markdown, parse_text, read_article
from bulletin.errors import ArticleError, BulletinError
from bulletin.normalize import normalize
from bulletin.script import build_script

from .test_script import VOICES, in_order, words

_LETTERS = "abcdefghijklmnopqrstuvwxyzéèêàçùôîABCDEMXIV0123456789 ,.;:!?«»\"“”„—–-'’()[]%€$°/&@#\n\t"
FRENCH = st.text(alphabet=st.sampled_from([*_LETTERS, "\u00a0", "\u202f", "🎉", "ß", "Ж", "東"]), max_size=300)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=600))
def test_reader_on_any_bytes(tmp_path_factory: object, data: bytes) -> None:
    try:
        decode_bytes(data)
    except ArticleError:
        return


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([".txt", ".md", ".html", ".xml"]))
def test_read_article_files(data: bytes, suffix: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"a{suffix}"
        p.write_bytes(data)
        try:
            art = read_article(p)
        except BulletinError:
            return
        assert art.blocks


HEADER = re.compile(r"^\s*(title|titre|date|source|author|auteur)\s*:", re.I | re.M)


@FUZZ
@given(FRENCH)
def test_text_and_markdown_keep_every_word(text: str) -> None:
    assume(not HEADER.search(text) and not re.match(r"\s*date\s+\d{4}", text, re.I))
    for parse in (parse_text, parse_markdown):
        art = parse(text)
        got = [w for part in (art.title or "", *(b.text for b in art.blocks)) for w in words(part)]
        # Markdown links keep their text, not their target: compare with what a reader sees.
        source = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text) if parse is parse_markdown else text
        assert in_order(words(source), got)


@FUZZ
@given(FRENCH)
def test_html_never_raises(text: str) -> None:
    parse_html(f"<html><body><p>{text}</p></body></html>")


@FUZZ
@given(st.lists(FRENCH, min_size=1, max_size=5))
def test_script_keeps_words_no_digit_bounded(paragraphs: list[str]) -> None:
    text = "\n\n".join(paragraphs)
    if not text.strip():
        return
    art = parse_text(text)
    script = build_script(art, VOICES)
    seg_words = [w for s in script.segments for w in words(s.text)]
    assert in_order([w for b in art.blocks for w in words(b.text)], seg_words)
    for s in script.segments:
        assert not re.search(r"\d", s.spoken)
        assert len(s.spoken) <= 20 * max(len(s.text), 10)


@FUZZ
@given(FRENCH, st.sampled_from(["fr-FR", "fr-BE", "fr-CH", "fr-CA"]))
def test_normaliser(text: str, locale: str) -> None:
    out = normalize(text, locale)
    assert not re.search(r"\d", out)
    assert len(out) <= 20 * max(len(text), 5)
