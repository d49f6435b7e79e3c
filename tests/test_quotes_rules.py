"""Each attribution rule, on French sentences written for the test (never taken from the corpus).

Every test names the rule it expects in the piece's ``attribution``, so a rule that stops firing
(or another that takes over by accident) fails here.
"""

from __future__ import annotations

import pytest

from bulletin.quotes import detect_quotes

Found = tuple[str | None, str | None, str]


def speakers(*paragraphs: str) -> list[Found]:
    """(speaker, gender, rule) of every quote piece, in order."""
    out: list[Found] = []
    for para in detect_quotes(list(paragraphs)):
        for p in para:
            if p.kind == "quote":
                assert p.attribution is not None
                out.append((p.speaker, p.gender, p.attribution.rule))
    return out


# --- incise after the quote -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "speaker", "gender"),
    [
        ("« Nous ne céderons pas », fulmine Paul Girard.", "Paul Girard", "m"),
        ("« Rien n'est joué », glisse Hélène Roussel.", "Hélène Roussel", "f"),
        ("« C'est une victoire pour tous », se réjouit Karim Haddad, porte-parole du syndicat.", "Karim Haddad", "m"),
        ("« Le budget est bouclé », a assuré mardi la ministre des Finances, Anne Vidal.", "Anne Vidal", "f"),
        ("« Nous avons perdu », a admis, amer, le candidat.", "le candidat", "m"),
        ("« On ne lâchera rien », lance une manifestante.", "une manifestante", "f"),
        ("« J'ai tout vu depuis ma fenêtre », raconte au Monde un témoin.", "un témoin", None),
        (
            "« Aucun cas n'a été signalé », souligne dans un communiqué le ministère de la Santé.",
            "le ministère de la Santé",
            None,
        ),
        (
            "« Les faits sont graves », a expliqué à la radio le procureur de Paris, Laure Beccuau.",
            "Laure Beccuau",
            "f",
        ),
        ("« Je serai candidat », a lancé, hier, Nicolas Sarkozy.", "Nicolas Sarkozy", "m"),
        ("« Mon client est innocent », assure Me Dupont, l'avocat de la famille.", "Me Dupont", "m"),
        ("« Nous verrons bien », a déclaré Mme Lefèvre.", "Mme Lefèvre", "f"),
        ("« Nous contestons ces chiffres », réagit la CGT.", "la CGT", None),
        ("« Le dossier est vide », selon une source proche de l'enquête.", "une source proche de l'enquête", None),
        ("« Je suis heureux d'être ici », a déclaré Ömer Fatih Sayan.", "Ömer Fatih Sayan", "m"),
        ("« Les ventes vont baisser », dit Song Myung-Sup.", "Song Myung-Sup", None),
        ("« La paix est possible », affirme Kito de Pavant.", "Kito de Pavant", "m"),
    ],
)
def test_incise_names_the_speaker(sentence: str, speaker: str, gender: str | None) -> None:
    assert speakers(sentence) == [(speaker, gender, "incise")]


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        (
            "« Le trafic est rétabli », a indiqué à l'agence le porte-parole de la police cantonale, Jean Sauter.",
            "Jean Sauter",
        ),
        ("« Nous suivons la situation », a précisé le conseiller fédéral Alain Berger.", "Alain Berger"),
        ("« La sécurité est garantie », a déclaré le bourgmestre Philippe Clos (PS).", "Philippe Clos"),
        ("« L'enquête se poursuit », a fait savoir le parquet.", "le parquet"),
        (
            "« Les civils paient le prix fort », a déclaré le Représentant spécial pour le Sahel.",
            "le Représentant spécial",
        ),
    ],
)
def test_incise_in_press_release_and_agency_styles(sentence: str, speaker: str) -> None:
    assert [(s, r) for s, _, r in speakers(sentence)] == [(speaker, "incise")]


def test_capitalised_role_with_apposed_name_before_a_colon() -> None:
    got = speakers("Le Secrétaire général de l'ONU, Antonio Gomes, a déclaré : « La paix est menacée. »")
    assert got == [("Antonio Gomes", "m", "colon_frame")]


def test_a_complement_does_not_swallow_the_name_after_it() -> None:
    got = speakers("La conseillère d'État Nuria Gomez a salué l'accord. « C'est un signal fort », a-t-elle dit.")
    assert got == [("Nuria Gomez", "f", "incise")]


def test_incise_with_an_inverted_pronoun_takes_the_subject_before() -> None:
    got = speakers("Marc Leduc ne décolère pas. « C'est un scandale absolu », tonne-t-il.")
    assert got == [("Marc Leduc", "m", "incise")]


def test_inverted_pronoun_follows_gender_over_recency() -> None:
    got = speakers("Sophie Marchal a été reçue par le préfet, Jean Morel. « Je suis soulagée », confie-t-elle.")
    assert got == [("Sophie Marchal", "f", "incise")]


def test_pronoun_with_nobody_to_stand_for_gives_no_speaker() -> None:
    # who is unknown, but "elle" settles the gender (issue 22: casting can read it in a woman's voice)
    assert speakers("« C'est fini », a-t-elle ajouté en souriant.") == [(None, "f", "incise")]
    # a pronoun that contradicts the person near settles nothing
    got = speakers("La ministre de l'Économie a présenté le budget.", "« Les comptes sont justes », a-t-il affirmé.")
    assert got == [(None, None, "incise")]


def test_any_verb_with_inverted_pronoun_is_an_incise() -> None:
    # "tenter" is no speech verb, but "-t-il" right after a quote only ever marks an incise
    got = speakers("Louis Perrin a perdu son procès. « Le juge s'est trompé », tente-t-il de nuancer.")
    assert got == [("Louis Perrin", "m", "incise")]


def test_late_incise_after_an_aside() -> None:
    got = speakers("« Le contexte est bien pire que prévu », y compris pour les petits porteurs, commente Léa Simon.")
    assert got == [("Léa Simon", "f", "incise")]


def test_definite_description_names_the_holder_of_that_role() -> None:
    got = speakers(
        "Le maire, Jean Petit, et son adjointe, Luce Blanc, étaient présents. "
        "« Le budget est voté », a annoncé l'adjointe."
    )
    assert got == [("Luce Blanc", "f", "incise")]


def test_bare_description_after_a_speaker_is_that_speaker() -> None:
    got = speakers(
        "« Les rats traités meurent plus tôt », a expliqué Gérard Morin, professeur à l'université de Tours.",
        "« C'est alarmant », résume l'universitaire.",
    )
    assert got == [("Gérard Morin", "m", "incise"), ("Gérard Morin", "m", "incise")]


# --- inside the quote ---------------------------------------------------------------------------


def test_inner_incise_splits_the_quote_and_names_the_speaker() -> None:
    paras = detect_quotes(["Hassan Amri manifestait place Tahrir. « Moi, dit-il, je n'ai plus peur. »"])
    kinds = [(p.kind, p.text.strip()) for p in paras[0]]
    assert kinds == [
        ("narration", "Hassan Amri manifestait place Tahrir."),
        ("quote", "Moi,"),
        ("narration", "dit-il,"),
        ("quote", "je n'ai plus peur."),
    ]
    assert {p.speaker for p in paras[0] if p.kind == "quote"} == {"Hassan Amri"}
    assert {p.attribution.rule for p in paras[0] if p.attribution} == {"inner_incise"}


# --- a clause before a colon ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "speaker", "gender"),
    [
        ("Interrogée par la radio, Claire Morin a répondu : « Je ne démissionnerai pas. »", "Claire Morin", "f"),
        ("Le ministre a tenu à préciser : « Aucune décision n'est prise. »", "le ministre", "m"),
        (
            "Dans un communiqué, la mairie de Nantes indique : « Les travaux reprendront lundi. »",
            "la mairie de Nantes",
            None,
        ),
        ("Il a croisé Paul Roche, ministre de la Culture, qui a déclaré : « Le musée rouvrira. »", "Paul Roche", "m"),
        ("Le président américain Joe Biden a déclaré : « Nous serons aux côtés de nos alliés. »", "Joe Biden", "m"),
        ("Le 27 février 2009, Jean Valjean a déclaré : « Je suis innocent. »", "Jean Valjean", None),
        ("Le ministre, qui s'exprimait devant les députés, a déclaré : « Le texte sera amendé. »", "le ministre", "m"),
        ("C'est ce qu'a expliqué Jean Roux : « Nous n'avions pas le choix. »", "Jean Roux", None),
        (
            "Lors de sa visite, le président a été interpellé par une habitante : « Vous ne faites rien ! »",
            "une habitante",
            "f",
        ),
        ("L'armée ne partira pas, comme le précise l'ambassadeur, Paul Morin : « Nous restons. »", "Paul Morin", "m"),
        (
            "Surpris par la décision du président Luis Ortega, Tomas Vidal déclara : « Je ne comprends pas. »",
            "Tomas Vidal",
            "m",
        ),
        ("La porte-parole du gouvernement, Maud Berger, a déclaré : « Le texte sera voté. »", "Maud Berger", "f"),
    ],
)
def test_colon_frame(paragraph: str, speaker: str, gender: str | None) -> None:
    assert speakers(paragraph) == [(speaker, gender, "colon_frame")]


def test_colon_frame_with_a_pronoun_subject() -> None:
    got = speakers(
        "Élisabeth Borne était à Matignon. Interrogée par la radio, elle a répondu : « Nous irons jusqu'au bout. »"
    )
    assert got == [("Élisabeth Borne", "f", "colon_frame")]


def test_a_gerund_takes_the_subject_of_its_clause() -> None:
    got = speakers(
        "Hamon avait dénoncé le soutien de Paul Miguet à Valérie Ruiz en Île-de-France en tweetant : « Honte. »"
    )
    assert [(s, r) for s, _, r in got] == [("Hamon", "colon_frame")]


def test_coordinated_verb_keeps_the_first_subject() -> None:
    got = speakers("Antoine Ferrand fut exclu de son groupe et déclara alors : « Je ne regrette rien. »")
    assert got == [("Antoine Ferrand", "m", "colon_frame")]


def test_impersonal_on_takes_the_owner_of_the_page() -> None:
    got = speakers(
        "Sur la page Facebook officielle de la Croix-Rouge, on pouvait lire : « Merci à tous les donateurs. »"
    )
    assert got == [("la Croix-Rouge", None, "colon_frame")]


def test_colon_after_a_clause_with_no_speech_verb() -> None:
    got = speakers("Un rapport de l'Unicef apporte la même conclusion : « Les enfants sont les premières victimes. »")
    assert got == [("l'Unicef", None, "colon_subject")]


def test_que_before_the_colon_keeps_the_quote_embedded() -> None:
    assert speakers("Le directeur précise que : « La fermeture est définitive. »") == []


# --- selon / pour / d'après -----------------------------------------------------------------------


def test_selon_with_a_colon_introduces_a_quote() -> None:
    assert speakers("Pour le syndicat : « Cette réforme est injuste. »") == [("le syndicat", None, "selon_colon")]
    got = speakers("Pour Bernard Lenoir, son secrétaire général : « C'est un moment important. »")
    assert got == [("Bernard Lenoir", "m", "selon_colon")]


def test_selon_without_a_colon_stays_embedded() -> None:
    assert speakers("Selon son ami, « Il se sentait partir depuis des mois. »") == []
    assert speakers("D'après la préfecture, « la situation est sous contrôle ».") == []


# --- block quotes, continuation, salience -----------------------------------------------------


def test_block_quote_with_a_dash_line() -> None:
    got = speakers("« Nous suivons la situation heure par heure »", "— Nadia Cheref, porte-parole de la préfecture")
    assert got == [("Nadia Cheref", "f", "block_dash")]
    got = speakers("« Le barrage tiendra »", "– Marc Olivier, ingénieur")
    assert got == [("Marc Olivier", "m", "block_dash")]


def test_quote_with_no_clause_continues_the_one_before() -> None:
    got = speakers(
        "« Non, il ne faut pas être inquiet », a répondu la porte-parole de la banque. "
        "« Le paiement en ligne reste sûr. »"
    )
    assert got == [
        ("la porte-parole de la banque", "f", "incise"),
        ("la porte-parole de la banque", "f", "continuation"),
    ]


def test_quote_with_no_clause_after_reported_speech_goes_to_its_subject() -> None:
    got = speakers(
        "Myriam Leroy, de la CFDT, a relevé qu'il « n'y a que dix embauches ». "
        "« C'est inacceptable dans la mesure où le groupe fait des bénéfices. »"
    )
    assert got == [("Myriam Leroy", "f", "salience")]


def test_quote_with_no_clause_and_nobody_salient_has_no_speaker() -> None:
    assert speakers("Le stade était plein à craquer. « Quelle ambiance ce soir ! »") == [(None, None, "none")]


def test_two_quotes_with_their_own_attributions_are_not_merged() -> None:
    got = speakers(
        "Le comité a publié un communiqué : « Les riverains refusent ce projet. » "
        "« Nous contestons ces chiffres », réagit la fédération des commerçants."
    )
    assert got == [("le comité", None, "colon_frame"), ("la fédération des commerçants", None, "incise")]


# --- speakers that are not persons, groups or organisations are refused --------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "« Le projet avance bien », indique le rapport publié mardi.",
        "« Nul n'est au-dessus des lois », rappelle le texte de loi.",
        "« Ce n'est qu'un début », prévient-on à l'Élysée.",
        "Réaction du ministre : « Ce n'est pas acceptable. »",
    ],
)
def test_no_thing_or_impersonal_subject_becomes_a_speaker(sentence: str) -> None:
    got = speakers(sentence)
    assert len(got) == 1 and got[0][0] is None


def test_whole_words_only_notamment_is_not_a_speech_verb() -> None:
    # "notamment" starts like "noter": a stem match would make "le maire" the speaker
    got = speakers("« Les travaux dureront deux ans », notamment le maire de la ville.")
    assert got == [(None, None, "none")]
