"""Issue 18 (and 13 item 12, 12's pronunciation): each category on sentences written here, the word
lists' consistency, language spans from the lexicon, and `bulletin say` showing the result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.errors import ConfigError
from bulletin.normalize import LOCALES, normalize
from bulletin.normalize.acronyms import read_as_words, syllabic
from bulletin.normalize.datafiles import DATA, entries
from bulletin.normalize.gender import gender_of_next_noun, lexicon
from bulletin.normalize.lexicon import load_lexicon
from bulletin.normalize.markup import split_languages
from bulletin.quotes import split_sentences

from .conftest import run_cli
from .normalize_cases import CATEGORIES

LEX = load_lexicon(user=False)
ALL = [(cat, *case) for cat, cases in CATEGORIES.items() for case in cases]


@pytest.mark.parametrize(("category", "locale", "text", "expected"), ALL)
def test_category_case(category: str, locale: str, text: str, expected: str) -> None:
    got = normalize(text, locale, LEX)
    assert got == expected
    assert not re.search(r"\d", got)


def test_every_category_is_covered() -> None:
    for name, cases in CATEGORIES.items():
        assert len(cases) >= (3 if name == "issue_13_item_12" else 10), name
    assert {loc for _, loc, _, _ in ALL} == set(LOCALES)
    assert len(ALL) >= 200


# --- agreement and the gender list ---------------------------------------------------------------


def test_gender_lists_do_not_contradict_themselves() -> None:
    fem = set(entries("gender.txt", "feminine"))
    masc = set(entries("gender.txt", "masculine"))
    assert not fem & masc
    fsuf = set(entries("gender.txt", "feminine-suffixes"))
    msuf = set(entries("gender.txt", "masculine-suffixes"))
    assert not fsuf & msuf
    assert len(fem) > 200 and len(masc) > 200 and len(fsuf) > 30 and len(msuf) > 30


@pytest.mark.parametrize(
    ("noun", "gender"),
    [
        ("recommandations", "f"),
        ("nation", "f"),
        ("libertés", "f"),
        ("aventure", "f"),
        ("croissance", "f"),
        ("tablette", "f"),
        ("journées", "f"),
        ("gouvernements", "m"),
        ("barrages", "m"),
        ("chapeaux", "m"),
        ("journaux", "m"),
        ("comités", "m"),
        ("musées", "m"),
        ("pages", "f"),
        ("millions", "m"),
        ("voix", "f"),
        ("prix", "m"),
        ("couleurs", "f"),
        ("moteurs", "m"),
        ("silence", "m"),
        ("Xq", None),
    ],
)
def test_noun_gender(noun: str, gender: str | None) -> None:
    assert lexicon().noun(noun) == gender


def test_gender_steps_over_adjectives_but_not_names() -> None:
    assert gender_of_next_noun(" nouvelles mesures") == "f"
    assert gender_of_next_noun(" autres hommes") == "m"
    assert gender_of_next_noun(" jeunes femmes") == "f"
    assert gender_of_next_noun(" Martine") is None
    assert gender_of_next_noun(", femmes") is None


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("tens", [21, 31, 41, 51, 61, 71, 81, 91, 101, 121, 1001])
def test_un_agrees_in_every_locale(locale: str, tens: int) -> None:
    fem = normalize(f"{tens} recommandations", locale)
    masc = normalize(f"{tens} rapports", locale)
    assert fem.endswith(" recommandations") and masc.endswith(" rapports")
    fem_number = fem.removesuffix(" recommandations")
    masc_number = masc.removesuffix(" rapports")
    if masc_number.endswith("un"):
        assert fem_number == masc_number + "e"
    else:  # 71 and 91 in fr-FR end in "onze", which does not agree
        assert fem_number == masc_number


# --- ranges never read as subtraction -------------------------------------------------------------

UNITS = ["%", "km", "€", "ans", "jours", "kg", "personnes", ""]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 999_999),
    st.integers(0, 999_999),
    st.sampled_from(UNITS),
    st.sampled_from(["-", "–", " - "]),
    st.sampled_from(LOCALES),
)
def test_a_hyphen_between_numbers_is_never_moins(a: int, b: int, unit: str, dash: str, locale: str) -> None:
    out = normalize(f"entre {a}{dash}{b} {unit}".strip(), locale)
    assert "moins" not in out
    assert not re.search(r"\d", out)


def test_a_real_minus_sign_stays() -> None:
    assert normalize("Il fait -5 °C.", "fr-FR") == "Il fait moins cinq degrés Celsius."
    assert normalize("un solde de −12 %", "fr-FR") == "un solde de moins douze pour cent"


# --- abbreviations shared with the sentence splitter ----------------------------------------------


@pytest.mark.parametrize(
    "abbreviation", ["av.", "apr.", "p.", "pp.", "art.", "vol.", "chap.", "env.", "MM.", "M.", "Mme"]
)
def test_the_sentence_splitter_does_not_cut_after_an_abbreviation(abbreviation: str) -> None:
    # One list (bulletin/quotes/data/abbreviations.txt) serves the splitter; the readings above
    # hold whether or not it cuts.
    text = f"Il cite {abbreviation} 12 Durand dans le texte. Puis il se tait."
    assert [s for _, s in split_sentences(text)] == [f"Il cite {abbreviation} 12 Durand dans le texte.",
                                                     "Puis il se tait."]  # fmt: skip


def test_each_abbreviation_reads_the_same_cut_or_whole() -> None:
    # The splitter may hand "… 52 av." and "J.-C. …" separately: both halves still read right.
    whole = normalize("en 52 av. J.-C.", "fr-FR")
    halves = normalize("en 52 av.", "fr-FR") + " " + normalize("J.-C.", "fr-FR")
    assert whole == "en cinquante-deux avant Jésus-Christ"
    assert halves == "en cinquante-deux avant Jésus-Christ"


# --- acronyms ------------------------------------------------------------------------------------


def test_acronym_list_entries_are_read_as_words() -> None:
    words = read_as_words()
    for acronym in ("ONU", "OTAN", "UNESCO", "UNICEF", "CEDEAO", "SMIC", "NASA", "FIFA", "INSEE"):
        assert acronym in words
        out = normalize(f"selon l'{acronym} hier", "fr-FR")
        assert " ".join(acronym) not in out
        assert out == f"selon l'{words[acronym]} hier"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("ACTA", True), ("CNIL", True), ("UNSA", True), ("EELV", False), ("RATP", False), ("OCDE", False)],
)
def test_syllabic(word: str, expected: bool) -> None:
    assert syllabic(word) is expected


def test_lexicon_overrides_acronyms_both_ways(tmp_path: Path) -> None:
    p = tmp_path / "lex.toml"
    p.write_text('[words]\nONU = "O N U"\nHCR = "Hacèr"\n', encoding="utf-8")
    lex = load_lexicon(p, user=False)
    assert normalize("l'ONU et le HCR", "fr-FR", lex) == "l'O N U et le Hacèr"
    assert normalize("l'ONU et le HCR", "fr-FR", LEX) == "l'ONU et le H C R"


def test_builtin_lexicon_no_longer_spells_onu() -> None:
    assert "ONU" not in LEX.words
    assert normalize("l'ONU", "fr-FR", LEX) == "l'ONU"


# --- language spans from the lexicon ------------------------------------------------------------


def _lex(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "lex.toml"
    p.write_text(body, encoding="utf-8")
    return p


def test_lang_entry_wraps_the_name(tmp_path: Path) -> None:
    lex = load_lexicon(_lex(tmp_path, '[words]\n"Bud Luckey" = {lang = "en"}\n'), user=False)
    out = normalize("Selon Bud Luckey, 83 ans.", "fr-FR", lex)
    assert out == "Selon ⟦en|Bud Luckey⟧, quatre-vingt-trois ans."
    assert split_languages(out) == [(None, "Selon "), ("en", "Bud Luckey"), (None, ", quatre-vingt-trois ans.")]


def test_rules_never_touch_the_inside_of_a_span(tmp_path: Path) -> None:
    body = '[words]\n"Toy Story 3" = {lang = "en", say = "Toy Story 3"}\n"AC/DC" = {lang = "en"}\n'
    lex = load_lexicon(_lex(tmp_path, body), user=False)
    out = normalize("Toy Story 3 et AC/DC en 2010, 21 fois.", "fr-FR", lex)
    assert out == "⟦en|Toy Story 3⟧ et ⟦en|AC/DC⟧ en deux mille dix, vingt et une fois."


def test_say_is_spoken_inside_the_span(tmp_path: Path) -> None:
    lex = load_lexicon(_lex(tmp_path, '[words]\n"Lee Unkrich" = {lang = "en-US", say = "Lee Unkritch"}\n'), user=False)
    assert normalize("Lee Unkrich a dit", "fr-FR", lex) == "⟦en-US|Lee Unkritch⟧ a dit"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[words]\nX = {say = "y"}\n', "needs lang"),
        ('[words]\nX = {lang = "english"}\n', "needs lang"),
        ('[words]\nX = {lang = "en", voice = "m1"}\n', "unknown keys voice"),
        ('[words]\nX = {lang = "en", say = ""}\n', "empty or unusable say"),
    ],
)
def test_bad_lang_entries_are_one_line_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_lexicon(_lex(tmp_path, body), user=False)


def test_stray_placeholder_characters_in_the_input_are_dropped() -> None:
    assert normalize("a\ue100b 3", "fr-FR") == "ab trois"


def test_bulletin_say_shows_spans_and_readings(tmp_path: Path) -> None:
    p = _lex(tmp_path, '[words]\n"Bud Luckey" = {lang = "en"}\n')
    r = run_cli("say", "MM. Dupont et Bud Luckey, de l'ONU, ont 41 recommandations.", "--lexicon", str(p))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("messieurs Dupont et ⟦en|Bud Luckey⟧, de l'ONU, ont quarante et une recommandations.")


# --- the data files -------------------------------------------------------------------------------


def test_every_data_file_is_declared_as_package_data() -> None:
    pyproject = (DATA.parent.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"normalize/data/*"' in pyproject
    names = {p.name for p in DATA.iterdir()}
    assert {"gender.txt", "acronyms.txt", "abbreviations.tsv", "units.tsv", "currencies.tsv"} <= names
    for p in DATA.iterdir():
        text = p.read_text(encoding="utf-8")
        assert text.startswith("#"), f"{p.name} has no header saying where it comes from"
