"""Mentions, entities, genders, sentences and word lists, on text written for the test."""

from __future__ import annotations

import re

import pytest

from bulletin.article import parse_markdown
from bulletin.quotes import detect_quotes, is_speaker_mention, split_sentences
from bulletin.quotes.lexicon import lexicon
from bulletin.quotes.mentions import Context, Entities, parse_np
from bulletin.quotes.tokens import tokenize


def np_of(text: str) -> tuple[str, str, str]:
    tokens = tokenize(text)
    np = parse_np(tokens, 0, text, Context({t.text for t in tokens if t.is_cap}))
    assert np is not None
    return np.kind, np.text, np.name


# --- the mention filter ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "Ömer Fatih Sayan",
        "Song Myung-Sup",
        "Kito de Pavant",
        "Nock Ag Attia",
        "Rami Abd al-Rahman",
        "V. Sapounov",
        "Mme Bensouda",
        "Dr Martin",
        "le ministre",
        "la porte-parole de la fédération",
        "un habitant du quartier",
        "de nombreux habitants",
        "le ministère de l'Intérieur",
        "la NASA",
        "l'échevine de la Mobilité",
        "un ancien guide touristique",
    ],
)
def test_filter_accepts_people_groups_and_organisations(label: str) -> None:
    assert is_speaker_mention(label)


@pytest.mark.parametrize(
    "label",
    [
        "le 27 février 2009",
        "son franc-parler lors des matchs internationaux",
        "la pomme de terre péruvienne",
        "Il fut déjà exclu de son groupe parlementaire ces jours-là et",
        "Interrogée",
        "» Lee Unkrich",
        "Lee Unkrich,",
        "12 mars",
        "le texte de loi",
        "Selon",
        "",
    ],
)
def test_filter_rejects_dates_clauses_things_and_stray_marks(label: str) -> None:
    assert not is_speaker_mention(label)


# --- noun phrases ---------------------------------------------------------------------------------


def test_role_description_with_apposed_name_and_organisation_name() -> None:
    assert np_of("le Premier ministre Bernard Cazeneuve a dit") == (
        "person",
        "le Premier ministre Bernard Cazeneuve",
        "Bernard Cazeneuve",
    )
    assert np_of("la Ligue arabe a conclu")[0:2] == ("org", "la Ligue arabe")
    assert np_of("un rapport de la Ligue arabe")[0] == "carrier"


def test_acronym_does_not_run_into_the_name_after_it() -> None:
    tokens = tokenize("à l'AFP Jean-Philippe Magnen")
    np = parse_np(tokens, 2, "à l'AFP Jean-Philippe Magnen", Context())
    assert np is not None and np.name == "AFP"


def test_a_pronoun_is_a_pronoun() -> None:
    assert np_of("elle")[0] == "pronoun"


# --- entities -------------------------------------------------------------------------------------


def test_surname_title_and_initial_merge_into_the_full_name() -> None:
    ents = Entities(["Bruno Le Roux", "Valentine Sapounov"])
    full = ents.named("Bruno Le Roux")
    assert ents.named("Le Roux") is full
    assert ents.named("Roux") is full
    sap = ents.named("Valentine Sapounov")
    assert ents.named("V. Sapounov") is sap
    assert len(ents.items) == 2


def test_full_name_given_later_is_still_the_canonical_name() -> None:
    got = [
        p.speaker
        for para in detect_quotes(
            ["« Je ne démissionnerai pas », a répondu M. Le Roux.", "Bruno Le Roux a finalement démissionné mardi."]
        )
        for p in para
        if p.kind == "quote"
    ]
    assert got == ["Bruno Le Roux"]


def test_one_speaker_string_for_a_person_named_by_role_and_by_name() -> None:
    got = [
        p.speaker
        for para in detect_quotes(
            [
                "Le ministre de l'Intérieur, Bruno Le Roux, était à Lille.",
                "« Je n'ai rien à cacher », a répondu le ministre.",
                "« Mes filles ont travaillé l'été », s'est défendu Bruno Le Roux.",
            ]
        )
        for p in para
        if p.kind == "quote"
    ]
    assert got == ["Bruno Le Roux", "Bruno Le Roux"]


def test_two_people_with_one_surname_are_told_apart_by_salience() -> None:
    got = [
        p.speaker
        for para in detect_quotes(
            [
                "Jean-Marie Le Pen a critiqué sa fille, Marine Le Pen.",
                "Plus tard, Marine Le Pen a répondu à son père. « Je ne céderai pas », a dit Le Pen.",
            ]
        )
        for p in para
        if p.kind == "quote"
    ]
    assert got == ["Marine Le Pen"]


# --- genders --------------------------------------------------------------------------------------


def genders(*paragraphs: str) -> list[str | None]:
    return [p.gender for para in detect_quotes(list(paragraphs)) for p in para if p.kind == "quote"]


def test_gender_from_agreement_title_role_and_pronoun() -> None:
    assert genders("Interrogée par la radio, Dominique Roy a répondu : « Non. Jamais. »") == ["f"]
    assert genders("« Non. Jamais. », a déclaré Mme Roy.") == ["f"]
    assert genders("« Non. Jamais. », a déclaré Camille Roy, directrice de l'école.") == ["f"]
    assert genders("Dominique Roy s'est félicitée du vote. « Enfin ! C'est fait. », a-t-elle lancé.") == ["f"]
    assert genders("« Non. Jamais. », a déclaré Dominique Roy, le directeur de l'école.") == ["m"]


def test_text_cues_outweigh_the_first_name_list() -> None:
    # "Valentine" is ambiguous in the list; "Elle explique" settles it
    got = genders(
        "« Nous sommes certains à 60 % », a indiqué Valentine Sapounov, de l'université de Moscou.",
        "Elle explique que l'analyse a pris deux mois.",
    )
    assert got == ["f"]


def test_unknown_gender_stays_unknown() -> None:
    assert genders("« Rien ne va plus », dit Dominique Roy.") == [None]


# --- sentences ------------------------------------------------------------------------------------


def test_sentences_do_not_end_at_titles_initials_or_abbreviations() -> None:
    text = (
        "MM. Dupont et Durand sont arrivés. Mme Roux aussi. César est mort en 44 av. J.-C. à Rome. V. Sapounov parle."
    )
    assert [t for _, t in split_sentences(text)] == [
        "MM. Dupont et Durand sont arrivés.",
        "Mme Roux aussi.",
        "César est mort en 44 av. J.-C. à Rome.",
        "V. Sapounov parle.",
    ]


def test_sentences_end_after_a_closing_quote_and_keep_every_character() -> None:
    text = "Il a dit « Fin. » Et puis ? Oui… Non."
    parts = split_sentences(text)
    assert [t for _, t in parts] == ["Il a dit « Fin. »", "Et puis ?", "Oui…", "Non."]
    for offset, t in parts:
        assert text[offset : offset + len(t)] == t


# --- editorial inserts ----------------------------------------------------------------------------


def test_bracketed_insert_inside_a_quote_is_read_by_the_anchor() -> None:
    paras = detect_quotes(["« Nous avons [avec l'affaire Dumas] tout perdu », dit Paul Henry."])
    pieces = [(p.kind, p.text.strip(), p.speaker) for p in paras[0]]
    assert pieces == [
        ("quote", "Nous avons", "Paul Henry"),
        ("narration", "[avec l'affaire Dumas]", None),
        ("quote", "tout perdu", "Paul Henry"),
        ("narration", ", dit Paul Henry.", None),
    ]


def test_footnotes_elisions_and_a_leading_restoration_stay_in_the_quote() -> None:
    paras = detect_quotes(["« [C'est] inacceptable [...] et injuste [1] », dit Paul Henry."])
    quotes = [p.text.strip() for p in paras[0] if p.kind == "quote"]
    assert quotes == ["[C'est] inacceptable [...] et injuste [1]"]


def test_every_word_stays_in_order_with_inserts_and_inner_incises() -> None:
    text = "« Moi, dit-il, je pense [au fond] que c'est fini [1] », lâche Omar Diallo, agriculteur."
    joined = " ".join(p.text for p in detect_quotes([text])[0])
    assert re.findall(r"\w+", joined) == re.findall(r"\w+", text)


# --- block quotes from Markdown -----------------------------------------------------------------


def test_markdown_block_quote_with_dash_line() -> None:
    art = parse_markdown("# Titre\n\n> « Nous suivons la situation de près »\n\n— Nadia Cheref, porte-parole\n")
    paragraphs = [b.text for b in art.blocks if b.kind == "paragraph"]
    got = [(p.speaker, p.attribution.rule) for para in detect_quotes(paragraphs) for p in para if p.attribution]
    assert got == [("Nadia Cheref", "block_dash")]


# --- word lists -----------------------------------------------------------------------------------


def test_word_lists_are_large_enough_and_whole_words() -> None:
    lx = lexicon()
    lemmas = set(lx.speech_forms.values())
    assert len(lemmas) >= 150
    for verb in ("fulminer", "tonner", "tempérer", "glisser", "réjouir", "marteler", "ironiser", "insurger",
                 "rétorquer", "concéder", "lâcher"):  # fmt: skip
        assert verb in lemmas, verb
    assert {"fulmine", "tonne", "glisse", "réjouit", "martèle", "rétorqua", "concédé"} <= set(lx.speech_forms)
    assert "notamment" not in lx.speech_forms and "not" not in lx.speech_forms
    singular_roles = {r.lemma for r in lx.roles.values()}
    assert len(singular_roles) >= 300
    for role in ("ministre", "porte-parole", "bourgmestre", "échevin", "dirigeant", "scientifique", "directeur",
                 "avocat", "habitant"):  # fmt: skip
        assert role in singular_roles, role
    assert lx.roles["directrice"].gender == "f" and lx.roles["avocate"].gender == "f"
    assert lx.roles["ministre"].gender is None and lx.roles["victime"].reliable is False
