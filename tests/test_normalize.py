from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.errors import ConfigError
from bulletin.normalize import normalize
from bulletin.normalize.lexicon import load_lexicon

from .conftest import SHARED
from .normalize_cases import CASES

LEX = load_lexicon(user=False)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 150
    assert {loc for loc, _, _ in CASES} == {"fr-FR", "fr-BE", "fr-CH", "fr-CA"}


@pytest.mark.parametrize(("locale", "text", "expected"), CASES)
def test_case(locale: str, text: str, expected: str) -> None:
    got = normalize(text, locale, LEX)
    assert got == expected
    assert not re.search(r"\d", got)


def test_corpus_spoken_has_no_digit() -> None:
    files = sorted((SHARED / "corpus").glob("*/*.txt"))
    if not files:
        pytest.skip("../shared/corpus not present")
    for f in files:
        for locale in ("fr-FR", "fr-BE", "fr-CH"):
            out = normalize(f.read_text(encoding="utf-8"), locale, LEX)
            assert not re.search(r"\d", out), f.name


french_like = st.text(
    alphabet=st.sampled_from(list("0123456789 ,.-/:%€$h°+&@#«»\"'eéaàMmeIVXLCkmers\u00a0\u202f")), max_size=80
)


@settings(max_examples=300, deadline=None)
@given(french_like, st.sampled_from(["fr-FR", "fr-BE", "fr-CH", "fr-CA"]))
def test_no_digit_and_bounded_on_generated_input(text: str, locale: str) -> None:
    out = normalize(text, locale, LEX)
    assert not re.search(r"\d", out)
    assert len(out) <= 20 * max(len(text), 5)


def test_huge_number_is_read_in_digits_and_bounded() -> None:
    digits = "7" * 10_000
    out = normalize(digits, "fr-FR")
    assert not re.search(r"\d", out)
    assert out.count("sept") == 10_000
    assert len(out) < 20 * len(digits)


def test_invalid_date_is_not_a_date() -> None:
    out = normalize("31/02/2020", "fr-FR")
    assert "février" not in out and "trente et un" in out


def test_user_lexicon(tmp_path: Path) -> None:
    p = tmp_path / "lex.toml"
    p.write_text('[words]\nDupont = "Dupon"\n[patterns]\n\'\\bQc\\b\' = "Québec"\n', encoding="utf-8")
    lex = load_lexicon(p, user=False)
    assert normalize("M. Dupont au Qc", "fr-FR", lex) == "monsieur Dupon au Québec"


def test_bad_lexicon(tmp_path: Path) -> None:
    p = tmp_path / "lex.toml"
    p.write_text("[words\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_lexicon(p, user=False)
    with pytest.raises(ConfigError, match="no such lexicon"):
        load_lexicon(tmp_path / "none.toml", user=False)


def test_mixed_scripts_do_not_crash() -> None:
    text = "Москва 2024, القاهرة ٣ أيام, 東京 ５ 人, Ελλάδα 12 %, emoji 👍🏽 et 7"
    out = normalize(text, "fr-FR")
    assert not re.search(r"\d", out)
    assert "Москва" in out and "東京" in out and "pour cent" in out
