"""Quote detection on French sentences written for each convention (DESIGN.md §5)."""

from __future__ import annotations

import pytest

from bulletin.quotes import Piece, detect_quotes, scan_spans


def quotes(*paragraphs: str) -> list[tuple[str, str | None]]:
    return [(p.text.strip(), p.speaker) for para in detect_quotes(list(paragraphs)) for p in para if p.kind == "quote"]


def test_inverted_attribution_after_quote() -> None:
    assert quotes("« Le pont sera prêt en juin », confie Jeanne Martin.") == [
        ("Le pont sera prêt en juin", "Jeanne Martin")
    ]


def test_no_comma_before_attribution_and_indefinite_speaker() -> None:
    assert quotes("« Nous avons tout perdu en une nuit » a raconté un habitant du quartier.") == [
        ("Nous avons tout perdu en une nuit", "un habitant du quartier")
    ]


def test_colon_introduced_quote_with_named_subject() -> None:
    assert quotes("Paul Girard a déclaré : « Rien ne sera plus comme avant. »") == [
        ("Rien ne sera plus comme avant.", "Paul Girard")
    ]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f", ""])
def test_guillemets_with_any_inner_space(space: str) -> None:
    text = f"«{space}Il faut agir vite{space}», a dit Léa Roux."
    assert quotes(text) == [("Il faut agir vite", "Léa Roux")]


@pytest.mark.parametrize(("o", "c"), [("“", "”"), ("„", "“"), ('"', '"')])
def test_other_quote_marks(o: str, c: str) -> None:
    assert quotes(f"{o}La saison est terminée{c}, a expliqué l'entraîneur, Hugo Petit.") == [
        ("La saison est terminée", "Hugo Petit")
    ]


def test_embedded_quotes_stay_with_anchor() -> None:
    text = (
        "Le maire a qualifié de « légende familiale » ce récit, précisant que « cet or a tout brisé ». "
        "Il parle d'une « Affaire close » et de « La Dépêche »."
    )
    assert quotes(text) == []


def test_short_title_as_subject_is_not_a_quote() -> None:
    assert quotes("« Libération » a affirmé que le texte serait voté.") == []


def test_incise_gives_two_quotes_one_speaker() -> None:
    # With nobody named before, "elle" stands for no one: both quotes, one (unknown) speaker.
    assert quotes("« Je reste », ajoute-t-elle, « et je me battrai. »") == [
        ("Je reste", None),
        ("et je me battrai.", None),
    ]
    got = quotes("Anne Dubois était présente. « Je reste », ajoute-t-elle, « Et je me battrai. »")
    assert got == [("Je reste", "Anne Dubois"), ("Et je me battrai.", "Anne Dubois")]


def test_pronoun_resolves_to_previous_subject() -> None:
    got = quotes("Le docteur Karim Benali a examiné les blessés. « La situation est grave », explique-t-il.")
    assert got == [("La situation est grave", "Karim Benali")]


def test_description_refers_to_person_just_named() -> None:
    # The sentence before presents Sarah Klein speaking: the definite description is her.
    got = quotes(
        "Aujourd'hui, Sarah Klein précise le calendrier. « Nous tiendrons les délais », "
        "indique la directrice du chantier."
    )
    assert got == [("Nous tiendrons les délais", "Sarah Klein")]
    # so is one the text made her the holder of
    got = quotes(
        "Sarah Klein, directrice du chantier, visite le site.",
        "« Nous tiendrons les délais », indique la directrice du chantier.",
    )
    assert got == [("Nous tiendrons les délais", "Sarah Klein")]


def test_description_with_no_holder_stays_a_description() -> None:
    # Nothing says Sarah Klein speaks or directs the site: the description is the speaker (a
    # voice of its own), never a guess that would give her words to someone else.
    got = quotes(
        "Aujourd'hui, Sarah Klein visite le chantier. « Nous tiendrons les délais », indique la directrice du chantier."
    )
    assert got == [("Nous tiendrons les délais", "la directrice du chantier")]
    got = quotes("Paul Morel précise le calendrier. « Nous tiendrons les délais », indique la directrice du chantier.")
    assert got == [("Nous tiendrons les délais", "la directrice du chantier")]


def test_short_name_becomes_full_name() -> None:
    got = quotes("Bruno Le Roux est arrivé lundi.", "« Je ne démissionnerai pas », a répondu M. Le Roux.")
    assert got == [("Je ne démissionnerai pas", "Bruno Le Roux")]


def test_particles_and_hyphens_in_names() -> None:
    assert quotes("« La télévision est un art », disait Jean-Christophe Averty.") == [
        ("La télévision est un art", "Jean-Christophe Averty")
    ]
    assert quotes("« La France a perdu une bataille », a écrit Charles de Gaulle.") == [
        ("La France a perdu une bataille", "Charles de Gaulle")
    ]


def test_block_quote_with_dash_attribution_line() -> None:
    got = quotes("« Nous suivons la situation heure par heure »", "— Nadia Cheref, porte-parole de la préfecture")
    assert got == [("Nous suivons la situation heure par heure", "Nadia Cheref")]


def test_quote_over_several_paragraphs() -> None:
    got = quotes(
        "Le maire, Louis Ferrand, a lu sa lettre : « Mes chers concitoyens, l'heure est venue.",
        "« Je quitte mes fonctions après vingt ans.",
        "« Merci à tous. »",
    )
    assert [s for _, s in got] == ["Louis Ferrand"] * 3
    assert got[1][0].startswith("Je quitte")


def test_unclosed_quote_is_narration_and_nothing_is_lost() -> None:
    paras = detect_quotes(["Il a dit « Rien du tout et puis s'en va. Fin de l'histoire."])
    assert [p.kind for p in paras[0]] == ["narration"]
    assert "Fin de l'histoire." in paras[0][0].text


def test_stray_closing_mark_and_nested_quote() -> None:
    assert scan_spans("un » égaré")[0] == []
    got = quotes("« Il m'a dit “Reviens demain” et il est parti », raconte Marie Vasseur.")
    assert got == [("Il m'a dit “Reviens demain” et il est parti", "Marie Vasseur")]


def test_interview_like_selon() -> None:
    got = quotes(
        "Selon la ministre, Aline Morel, le budget tiendra. « Nous n'augmenterons pas les impôts », affirme-t-elle."
    )
    assert got == [("Nous n'augmenterons pas les impôts", "Aline Morel")]


def test_pieces_are_frozen() -> None:
    p = Piece("quote", "x")
    with pytest.raises(AttributeError):
        p.text = "y"  # type: ignore[misc]


def test_three_hundred_quotes_in_one_paragraph_keep_their_speaker() -> None:
    para = " ".join(f"« Phrase numéro {i} ici », dit Paul Martin." for i in range(300))
    got = quotes(para)
    assert len(got) == 300 and all(s == "Paul Martin" for _, s in got)


def test_interview_dashes_alternate_speakers() -> None:
    got = quotes(
        "Nous avons rencontré Inès Barbier, maraîchère à Gembloux.",
        "— Comment se passe la saison ?",
        "— Mal. Il a trop plu en juin.",
        "— Et la suite ? — Nous replanterons en septembre.",
    )
    assert got == [
        ("Comment se passe la saison ?", "le journaliste"),
        ("Mal. Il a trop plu en juin.", "Inès Barbier"),
        ("Et la suite ?", "le journaliste"),
        ("Nous replanterons en septembre.", "Inès Barbier"),
    ]


def test_quote_marks_in_headings_are_left_alone() -> None:
    from bulletin.article import parse_text
    from bulletin.script import build_script

    from .test_script import VOICES

    art = parse_text("title: T\n\nUn début.\n\nLe « pacte » en débat\n\nUne suite.")
    s = build_script(art, VOICES)
    assert [x.kind for x in s.segments] == ["title", "narration", "heading", "narration"]
