"""Issue 22, "Who speaks, round two": each shape on French sentences written for the test.

Roles as aliases, an apposed name over its description, a role two people hold, quotes with no
clause after a paragraph that presents the speaker, contradictions that must give null, quotes
running over several paragraphs with quotes nested inside, and the confidence threshold. Each
shape has several sentences (verbs, genders, orders) and negative cases: a wrong speaker is
worse than none.
"""

from __future__ import annotations

import pytest

from bulletin.quotes import LOW_CONFIDENCE, MIN_CONFIDENCE, detect_quotes

Found = tuple[str | None, str]


def who(*paragraphs: str) -> list[str | None]:
    """The speaker of every quote piece, in order."""
    return [p.speaker for para in detect_quotes(list(paragraphs)) for p in para if p.kind == "quote"]


def rules(*paragraphs: str) -> list[Found]:
    out: list[Found] = []
    for para in detect_quotes(list(paragraphs)):
        for p in para:
            if p.kind == "quote":
                assert p.attribution is not None
                out.append((p.speaker, p.attribution.rule))
    return out


def confidences(*paragraphs: str) -> list[float]:
    return [p.attribution.confidence for para in detect_quotes(list(paragraphs)) for p in para
            if p.kind == "quote" and p.attribution is not None]  # fmt: skip


# --- roles as aliases -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (  # role then name; the bare role, then a pronoun
            (
                "La directrice de l'agence, Inès Moreau, a présenté mardi le rapport annuel.",
                "« Les chiffres sont encourageants », a ajouté la directrice.",
                "« Mais rien n'est acquis », a-t-elle précisé.",
            ),
            ["Inès Moreau", "Inès Moreau"],
        ),
        (  # name then role
            (
                "Antoine Mercier, le secrétaire général du syndicat, a rencontré les grévistes.",
                "« Nous ne signerons rien », a lancé le secrétaire général.",
            ),
            ["Antoine Mercier"],
        ),
        (  # a Swiss-style title, the role again with no name
            (
                "La conseillère fédérale Élise Favre a présenté le projet à Berne.",
                "« Ce texte protège les familles », a-t-elle affirmé devant les médias.",
                "« Il n'y aura pas de hausse d'impôt », a assuré la conseillère fédérale.",
            ),
            ["Élise Favre", "Élise Favre"],
        ),
        (  # the role with an adjective in -éen, then shortened
            (
                "Le chef de la diplomatie européenne, Jorge Salas, a répondu aux critiques.",
                "« L'Union n'est pas naïve », a déclaré le chef de la diplomatie.",
            ),
            ["Jorge Salas"],
        ),
        (  # the complement said another way: a common noun, not a name
            (
                "« Nous devons agir maintenant », a souligné la cheffe du PAM, Hanna Berg, à Goma.",
                "« Chaque jour compte », a poursuivi la cheffe de l'agence onusienne.",
            ),
            ["Hanna Berg", "Hanna Berg"],
        ),
        (  # the feminine role picks the woman of two ministers
            (
                "Le ministre des Finances, Luc Peeters, et la ministre du Budget, Anne Claes, ont présenté le budget.",
                "« Nous réduisons le déficit », a déclaré la ministre.",
            ),
            ["Anne Claes"],
        ),
        (  # "le Premier ministre" is another office than "le ministre"
            (
                "Le ministre de l'Intérieur, Hugo Lenoir, a été convoqué par le Premier ministre Paul Arnaud.",
                "« Je n'ai rien à cacher », a répondu le ministre.",
            ),
            ["Hugo Lenoir"],
        ),
    ],
)
def test_a_role_given_with_a_name_is_an_alias(paragraphs: tuple[str, ...], expected: list[str]) -> None:
    assert who(*paragraphs) == expected


@pytest.mark.parametrize(
    "paragraphs",
    [
        (
            "Le directeur de l'hôpital, Marc Lenoir, et le directeur de l'école, Paul Simon, ont signé l'accord.",
            "« C'est une première », a déclaré le directeur.",
        ),
        (
            "Le ministre des Finances, Luc Peeters, et le ministre de l'Économie, Jan Claes, ont présenté le plan.",
            "« Nous réduisons le déficit », a déclaré le ministre.",
        ),
        (
            "La présidente du Sénat, Rose Diallo, a reçu la présidente de la Chambre, Léa Mertens.",
            "« Le dialogue est rétabli », a affirmé la présidente.",
        ),
    ],
)
def test_a_role_two_people_hold_is_null(paragraphs: tuple[str, ...]) -> None:
    assert who(*paragraphs) == [None]


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("Le PDG de Fluxys, Pascal De Buck, se veut rassurant : « Nos stocks sont pleins. »", "Pascal De Buck"),
        ("Le patron de la société, Yves Dumont, a déclaré : « Nous embaucherons en mars. »", "Yves Dumont"),
        ("La porte-parole du HCR, Léa Fontaine, a précisé : « Les besoins sont immenses. »", "Léa Fontaine"),
        ("« Rien n'est fermé », assure le CEO du groupe, Tom Vermeulen.", "Tom Vermeulen"),
        ("Pascal De Buck, le PDG de Fluxys, se veut rassurant : « Nos stocks sont pleins. »", "Pascal De Buck"),
    ],
)
def test_an_apposed_name_beats_its_description(sentence: str, speaker: str) -> None:
    assert who(sentence) == [speaker]


# --- quotes with no clause --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            ("Arrivée à Namur mardi, la ministre Anne Roux s'est adressée aux habitants.", "« Nous restons. »"),
            "Anne Roux",
        ),
        (("Le président Luc Martin a ouvert la séance par un discours.", "« Le temps presse. »"), "Luc Martin"),
        (("Invitée à réagir, la porte-parole Inès Diallo a répondu sans détour.", "« Non. »"), "Inès Diallo"),
        (("Sophie Marchal a salué l'équipe. Elle s'est ensuite adressée à la presse.", "« Gagné. »"), "Sophie Marchal"),
    ],
)
def test_clause_less_after_adjuncts_and_pronouns(paragraphs: tuple[str, ...], expected: str) -> None:
    assert rules(*paragraphs) == [(expected, "salience")]


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            (
                "Sophie Marchal a salué l'équipe avant de s'adresser à la presse.",
                "« Nous avons fait un travail remarquable. »",
                "« Le plus dur commence maintenant. »",
            ),
            ["Sophie Marchal", "Sophie Marchal"],
        ),
        (
            ("Le maire, Jean Petit, a pris la parole devant le conseil.", "« Cette ville mérite mieux. »"),
            ["Jean Petit"],
        ),
        (
            (
                "Devant le Conseil de sécurité, la représentante spéciale Maria Lopez a dressé un tableau sombre.",
                "« Les civils sont pris au piège. Les hôpitaux manquent de tout. »",
            ),
            ["Maria Lopez"],
        ),
        (
            (
                "Jean Dupont, 54 ans, agriculteur à Ciney, a répondu aux questions des journalistes.",
                "« On ne s'en sort plus avec ces prix. »",
            ),
            ["Jean Dupont"],
        ),
        (
            (
                "La ministre Sarah Leroy est intervenue en séance plénière.",
                "« L'égalité n'est pas une option », a-t-elle martelé.",
                "« Nous irons jusqu'au bout. »",
            ),
            ["Sarah Leroy", "Sarah Leroy"],
        ),
    ],
)
def test_a_quote_with_no_clause_goes_to_the_person_presented_speaking(
    paragraphs: tuple[str, ...], expected: list[str]
) -> None:
    assert who(*paragraphs) == expected


@pytest.mark.parametrize(
    "paragraphs",
    [
        ("Il pleuvait sur Namur mardi. Les rues étaient vides.", "« Personne ne sort par ce temps. »"),
        ("Marie Leclerc a quitté la salle sans un mot.", "« Nous reviendrons. »"),  # no speaking verb
        ("Le gouvernement a annoncé mardi une réforme des pensions.", "« Cette réforme est injuste. »"),  # not a person
        (  # the person presented speaking is not the last subject
            "Paul Lambert a salué le travail des équipes. Le député Marc Gilles était présent aussi.",
            "« Merci à tous. »",
        ),
        (  # two paragraphs back is too far
            "Anne Roux a pris la parole devant les députés.",
            "La séance a ensuite été suspendue pendant une heure.",
            "« Nous ne voterons pas ce texte. »",
        ),
    ],
)
def test_a_quote_with_no_clause_and_no_speaking_person_is_null(paragraphs: tuple[str, ...]) -> None:
    assert who(*paragraphs)[-1] is None


# --- contradictions give null -----------------------------------------------------------------


@pytest.mark.parametrize(
    "paragraphs",
    [
        # a feminine role, a masculine pronoun
        ("La ministre de l'Économie a présenté le budget.", "« Les comptes sont justes », a-t-il affirmé."),
        ("Selon la ministre de l'Économie, les comptes sont justes.", "« Nous tiendrons », a-t-il affirmé."),
        (
            "La ministre de l'Économie, Anne Vidal, a présenté le budget au Parlement. "
            "« Les comptes sont justes », a-t-il affirmé.",
        ),
        ("La directrice de la police a confirmé l'incident.", "« Il n'y a aucun blessé », a-t-il ajouté."),
        # a masculine role, a feminine pronoun
        ("Le porte-parole de l'Élysée, Marc Olivier, a répondu.", "« Rien n'est décidé », a-t-elle affirmé."),
        # an organisation or a place where a person is the natural antecedent
        (
            "Le groupe Colruyt a présenté ses résultats mardi à Hal.",
            "« Good morning everyone », a-t-il lancé en anglais, avant de poursuivre en français : « Bonjour. »",
        ),
    ],
)
def test_a_contradiction_gives_null(paragraphs: tuple[str, ...]) -> None:
    assert set(who(*paragraphs)) == {None}


def test_a_person_near_keeps_the_pronoun_from_the_company_named_before() -> None:
    paragraphs = (
        "La société Vandemoortele a annoncé un plan. Son patron, Jean Dufour, était à Gand.",
        "« We are proud », a-t-il lancé en anglais, avant de poursuivre en français : « Nous sommes fiers. »",
    )
    assert rules(*paragraphs) == [("Jean Dufour", "incise"), ("Jean Dufour", "continuation")]


def test_an_organisation_keeps_its_pronoun_when_no_person_is_near() -> None:
    assert who(
        "La société Proximus a annoncé des licenciements mardi.",
        "« Nous regrettons cette décision », a-t-elle indiqué dans un communiqué.",
    ) == ["Proximus"]


# --- multi-paragraph quotes -------------------------------------------------------------------


def test_a_quote_over_three_paragraphs_is_one_quote_with_nested_quotes() -> None:
    paragraphs = (
        "Le ministre Paul Durand a déclaré : « Nous allons investir dans les écoles.",
        "« Nous allons aussi rénover les hôpitaux, ce que le rapport appelait “une urgence absolue”.",
        "« Enfin, nous baisserons les impôts. »",
        "La séance a été levée.",
    )
    pieces = detect_quotes(list(paragraphs))
    quotes = [p for para in pieces for p in para if p.kind == "quote"]
    assert [p.speaker for p in quotes] == ["Paul Durand"] * 3
    assert {p.attribution.rule for p in quotes if p.attribution} == {"colon_frame"}  # one run, one rule
    assert "“une urgence absolue”" in quotes[1].text
    assert [p.kind for p in pieces[3]] == ["narration"]


def test_a_quote_over_paragraphs_with_straight_quotes_inside() -> None:
    paragraphs = (
        "Amina Traoré a raconté son parcours :",
        "« Je suis partie de Bamako en 2019.",
        "« J'ai traversé le désert, puis la mer. Un passeur m'a dit : \"tu ne reviendras jamais\".",
        "« Aujourd'hui, je vis à Liège. »",
    )
    assert who(*paragraphs) == ["Amina Traoré"] * 3


def test_an_english_quote_continued_over_paragraphs() -> None:
    paragraphs = (
        "Le rapporteur Tim Walsh a conclu : “Nous avons entendu cent témoins.",
        "“Leurs récits concordent. Nous demandons une enquête.”",
    )
    assert who(*paragraphs) == ["Tim Walsh"] * 2


def test_a_quote_left_open_at_the_end_stays_narration() -> None:
    pieces = detect_quotes(["Le maire a déclaré : « Nous verrons bien.", "« Rien n'est décidé."])
    assert all(p.kind == "narration" for para in pieces for p in para)


# --- confidence ---------------------------------------------------------------------------------


def test_thresholds_are_ordered() -> None:
    assert 0 < MIN_CONFIDENCE < LOW_CONFIDENCE < 1


def test_a_named_incise_is_sure_and_a_clause_less_quote_is_a_guess() -> None:
    assert confidences("« Nous partons », a déclaré Léa Martin.")[0] >= LOW_CONFIDENCE
    guess = confidences("Léa Martin a pris la parole.", "« Nous partons. »")[0]
    assert MIN_CONFIDENCE <= guess < LOW_CONFIDENCE


def test_a_continuation_is_never_surer_than_what_it_continues() -> None:
    first, second = confidences("Léa Martin a pris la parole.", "« Nous partons. »", "« Demain. »")
    assert second <= first


def test_a_null_speaker_has_zero_confidence() -> None:
    assert confidences("Il pleuvait.", "« Personne ne sort. »") == [0.0]


# --- organisations named again, carriers, compound titles ---------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            (
                "Le HCR a appelé à la retenue. « Les frontières doivent rester ouvertes », "
                "indique l'agence dans un communiqué.",
            ),
            ["le HCR"],
        ),
        (
            ("La FGTB a rejeté le projet.", "« Nous ne signerons pas », a réagi le syndicat."),
            ["la FGTB"],
        ),
        (  # a specific noun names its own organisation, not the one named before
            ("Le HCR a appelé à la retenue.", "« La frontière reste fermée », a répondu le ministère."),
            ["le ministère"],
        ),
        (  # nobody named before: the description itself
            ("« Nous ne commentons pas », a indiqué l'entreprise.",),
            ["l'entreprise"],
        ),
    ],
)
def test_a_generic_noun_names_the_organisation_just_named(paragraphs: tuple[str, ...], expected: list[str]) -> None:
    assert who(*paragraphs) == expected


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            (
                "Le ministère de la Santé a publié mardi un communiqué.",
                "« La situation est sous contrôle », peut-on lire dans le communiqué du ministère.",
            ),
            ["le ministère de la Santé"],
        ),
        (("« Rien ne bouge », pouvait-on lire dans un rapport de la Ligue arabe.",), ["la Ligue arabe"]),
        (("« Rien ne va plus », lit-on.",), [None]),  # no carrier, no owner
    ],
)
def test_peut_on_lire_gives_the_carriers_owner(paragraphs: tuple[str, ...], expected: list[str]) -> None:
    assert who(*paragraphs) == expected


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        (
            "« Nous ne laisserons personne », a assuré mercredi la vice-Première ministre, Petra Dumont (Groen).",
            "Petra Dumont",
        ),
        (
            "Sur Twitter, l'activiste Alaa Abd El-Fattah a écrit : « La prison ne nous fera pas taire. »",
            "Alaa Abd El-Fattah",
        ),
        (
            "« L'Europe tiendra », a déclaré la présidente de la Commission, Ursula von der Leyen.",
            "Ursula von der Leyen",
        ),
    ],
)
def test_compound_titles_and_names(sentence: str, speaker: str) -> None:
    assert who(sentence) == [speaker]


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        # two men as subjects, one "il": the text does not say which
        (
            ("Paul Roux et Jean Lenoir se sont rencontrés mardi. « Nous avons parlé du budget », a-t-il expliqué.",),
            [None],
        ),
        # the pronoun's gender tells them apart
        (
            ("Paul Roux a rencontré Marie Lenoir mardi. « Nous avons parlé du budget », a-t-elle expliqué.",),
            ["Marie Lenoir"],
        ),
        (
            ("Paul Roux a rencontré Marie Lenoir mardi. « Nous avons parlé du budget », a-t-il expliqué.",),
            ["Paul Roux"],
        ),
    ],
)
def test_a_pronoun_two_people_fit_is_null(paragraphs: tuple[str, ...], expected: list[str | None]) -> None:
    assert who(*paragraphs) == expected


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("« C'est une trahison », selon les mots de Marc Leroy.", "Marc Leroy"),
        ("« Le compte n'y est pas », selon les termes de la Commission européenne.", "la Commission européenne"),
        ("Le ministre Paul Roux a défendu son projet. Et d'ajouter : « Nous irons jusqu'au bout. »", "Paul Roux"),
        ("Marc Leroy, lui, ne décolère pas : « C'est une trahison. »", "Marc Leroy"),
        ("La sénatrice Inès Garcia a réagi sur Twitter : « Une honte. Une honte absolue. »", "Inès Garcia"),
    ],
)
def test_other_frames(sentence: str, speaker: str) -> None:
    assert who(sentence) == [speaker]


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (("L'utilisatrice @nadia_k a tweeté :", "« Ils ont coupé internet dans tout le pays. »"), ["@nadia_k"]),
        (("@nadia_k a tweeté : « Quelle honte ! »",), ["@nadia_k"]),
        (("« On a coupé internet », tweete @nadia_k.",), ["@nadia_k"]),
        (("Sur Facebook, Ahmed Salah a publié ce message :", "« Nous ne voulons pas de cette loi. »"), ["Ahmed Salah"]),
        (  # a colon closing a paragraph whose subject is a thing: nobody
            ("La suite du texte est la suivante :", "« Article 1. Tout citoyen a le droit de vote. »"),
            [None],
        ),
    ],
)
def test_a_colon_closing_the_paragraph_before_and_handles(paragraphs: tuple[str, ...], expected: list[str]) -> None:
    assert who(*paragraphs) == expected


def test_an_e_mail_address_is_no_handle() -> None:
    pieces = detect_quotes(["Écrivez à contact@ville.be : « Les avis des habitants comptent beaucoup. »"])
    assert [p.speaker for para in pieces for p in para if p.kind == "quote"] == [None]


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (  # a woman named with a masculine role; the feminine role later settles her, the masculine one is him
            (
                "Le ministre bruxellois de la Mobilité, Elke Van Damme, et le ministre wallon de la Mobilité, "
                "Pierre Henrard, ont présenté mardi un abonnement commun.",
                "« C'est une simplification attendue », a déclaré la ministre bruxelloise.",
                "Le prix sera fixé en juin. « Nous voulons des transports abordables », a insisté le ministre wallon.",
            ),
            ["Elke Van Damme", "Pierre Henrard"],
        ),
        (  # a complement that goes on ("des arts et métiers") before the apposed name
            (
                "Le président de l'Union des arts et métiers, Fabio Rinaldi, s'est montré critique. "
                "« Ce texte ajoute de la bureaucratie », a-t-il réagi.",
            ),
            ["Fabio Rinaldi"],
        ),
        (  # another description of the woman the paragraph before presented speaking to the press
            (
                "La conseillère fédérale Anne Schneider a présenté le projet devant les médias.",
                "« Les citoyens doivent garder le contrôle de leurs données », a souligné la cheffe du DFJP.",
            ),
            ["Anne Schneider"],
        ),
        (  # but a masculine role with another organisation a paragraph later is someone new
            (
                "Le ministre Paul Magnin a pris la parole devant les députés.",
                "« Nous ne signerons pas », a déclaré le président de la FGTB.",
            ),
            ["le président de la FGTB"],
        ),
    ],
)
def test_government_release_shapes(paragraphs: tuple[str, ...], expected: list[str]) -> None:
    assert who(*paragraphs) == expected


def test_a_role_of_another_organisation_is_not_the_named_holder() -> None:
    assert who(
        "Le porte-parole du gouvernement, Marc Leroy, a fait le point mardi.",
        "« Deux suspects ont été arrêtés », a indiqué le porte-parole de la police.",
    ) == ["le porte-parole de la police"]


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            ("« Nous sommes en guerre. » C'est par ces mots que le président Marc Olivier a ouvert son discours.",),
            ["Marc Olivier"],
        ),
        (
            ("« Nous sommes en guerre. »", "C'est en ces termes que la présidente Anne Olivier a ouvert la séance."),
            ["Anne Olivier"],
        ),
        (
            ("« Nous sommes en guerre. »", "C'est ainsi que la maire, Lina Haddad, a salué les pompiers."),
            ["Lina Haddad"],
        ),
        (("« Nous sommes en guerre. »", "C'est que la situation est grave."), [None]),  # no frame
        (("« Nous sommes en guerre. »", "Le pays a connu trois attentats cette année."), [None]),
    ],
)
def test_the_sentence_after_a_quote_may_name_its_speaker(
    paragraphs: tuple[str, ...], expected: list[str | None]
) -> None:
    assert rules(*paragraphs)[0][0] == expected[0]
    if expected[0] is not None:
        assert rules(*paragraphs)[0][1] == "cataphora"


def test_a_quote_over_paragraphs_closed_by_an_incise() -> None:
    paragraphs = (
        "« Nous tiendrons.",
        "« Nous tiendrons parce que nous sommes unis », a conclu le ministre Paul Roux.",
    )
    assert who(*paragraphs) == ["Paul Roux", "Paul Roux"]


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        # the subject made someone else speak: the answer is not theirs
        (("Le juge a interrogé le prévenu, Marc Petit.", "« Je suis innocent. »"), [None]),
        (("La commission a auditionné la directrice, Léa Blanc.", "« Nous avons suivi les règles. »"), [None]),
        # but challenging someone is speaking
        (("La députée Anne Roux a interpellé le ministre.", "« Où sont les fonds promis ? »"), ["Anne Roux"]),
        # and the one questioned in the passive answers
        (("Le ministre Paul Roux a été interrogé par les députés.", "« Les fonds seront versés. »"), ["Paul Roux"]),
    ],
)
def test_who_is_made_to_speak(paragraphs: tuple[str, ...], expected: list[str | None]) -> None:
    assert who(*paragraphs) == expected


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            (
                "La Haute-Commissaire aux droits de l'homme, Maria Ruiz, a présenté son rapport.",
                "« Les violations sont graves », a déclaré la Haute-Commissaire.",
                "« Elles doivent cesser », a-t-elle ajouté.",
            ),
            ["Maria Ruiz", "Maria Ruiz"],
        ),
        (  # another description of the person followed, nobody else near
            (
                "L'envoyé spécial de l'ONU, Lars Nilsen, a rencontré les deux délégations à Genève.",
                "« Personne n'a quitté la table », a ajouté le diplomate norvégien.",
            ),
            ["Lars Nilsen"],
        ),
        (  # but not when someone else is as salient ("pour Y" just before)
            (
                "Paul Garnier se présentait comme un rassembleur. Mais pour Marc Olivier, « rien n'a changé » : "
                "« Il promet tout à tout le monde » dénonce le président sortant.",
            ),
            ["le président sortant"],
        ),
    ],
)
def test_descriptions_of_the_person_followed(paragraphs: tuple[str, ...], expected: list[str]) -> None:
    assert who(*paragraphs) == expected


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        # "ce dernier" is the last person mentioned, not the subject
        (
            ("Le ministre a reçu le maire de Liège, Willy Demars. « Nous avons avancé », a précisé ce dernier.",),
            ["Willy Demars"],
        ),
        (("La juge a entendu Marie Lenoir. « Je n'ai rien vu », a affirmé cette dernière.",), ["Marie Lenoir"]),
        (("Paul Roux était à Namur. « Tout va bien », affirme celui-ci.",), ["Paul Roux"]),  # Namur has no gender
        (("Marc Petit a été relaxé. « Justice est faite », a réagi l'intéressé.",), ["Marc Petit"]),
        (("« Nous verrons », a dit ce dernier.",), [None]),  # nobody before
        (("Anne Roux a reçu Paul Petit. « Nous verrons », a dit cette dernière.",), ["Anne Roux"]),
    ],
)
def test_ce_dernier_and_l_interesse(paragraphs: tuple[str, ...], expected: list[str | None]) -> None:
    assert who(*paragraphs) == expected


def test_a_possessive_description_is_someone_else() -> None:
    got = who("Le chanteur Léo Martin a salué la foule. « Merci Paris ! », a répondu son complice.")
    assert got != ["Léo Martin"]


def test_an_incise_closing_a_sentence_inside_a_quote_over_paragraphs() -> None:
    paragraphs = (
        "« Nous sommes prêts, a déclaré la ministre Anne Roux. Les moyens sont là.",
        "« Nous irons jusqu'au bout. »",
    )
    pieces = detect_quotes(list(paragraphs))
    assert [(p.kind, p.speaker) for p in pieces[0]] == [
        ("quote", "Anne Roux"),
        ("narration", None),
        ("quote", "Anne Roux"),
    ]
    assert pieces[0][1].text == "a déclaré la ministre Anne Roux."
    assert [(p.kind, p.speaker) for p in pieces[1]] == [("quote", "Anne Roux")]
