"""Corpus check (issue 18): the spoken text of every article has no digit, no "[" and no "moins"
that a hyphen produced. Run on every corpus article when ../shared is there, and always on a
sample written here that holds each hard case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulletin import read_article
from bulletin.pipeline import Options, make_script

from .conftest import SHARED

# Our own text (no article's): each sentence holds a case a real article may hold.
SAMPLE = """title: Bilan de la 78 ème session du conseil régional
date: 2020-03-12

Le conseil, réuni le 12-03-2020 au 1er étage, a adopté 41 recommandations, dont 21 nouvelles.

Selon l'article 58-1 et l'article L. 123-4 du code, entre 60-70 % des 1ers dossiers sont validés.

Le budget atteint 2 000 000 000 €, soit 3 millions d'euros de plus qu'en 2019-2020 (voir p. 12).

« Nous avons gagné 3-1 [contre Lyon] et 91 médailles », a déclaré M. Dupont[1], en 52 av. J.-C.

MM. Martin et Durand, de l'ONU et de la CEDEAO, ont roulé en 2 CV à 90 km/h pendant 5 l'an.

Renseignements au 01 45 67 89 12, au 02 123 45 67 ou au 022 345 67 89 ; prix : 89.90 francs.

Il fait -5 °C ; la température a varié de -3 à +4 °C, soit 7 degrés d'écart […] au XXIe siècle.
"""

_REAL_MINUS = re.compile(r"(?<![\w\d,.])(?<!\d )[-−](?=\d)")


def _check(path: Path) -> None:
    script = make_script(read_article(path), Options())
    for seg in script.segments:
        spoken = seg.spoken
        assert not re.search(r"\d", spoken), (path.name, spoken)
        assert "[" not in spoken and "]" not in spoken, (path.name, spoken)
        said = len(re.findall(r"\bmoins\b", spoken))
        written = len(re.findall(r"\bmoins\b", seg.text, re.I)) + len(_REAL_MINUS.findall(seg.text))
        assert said <= written, (path.name, seg.text, spoken)


def test_sample_article(tmp_path: Path) -> None:
    path = tmp_path / "exemple.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    _check(path)
    spoken = " ".join(s.spoken for s in make_script(read_article(path), Options()).segments)
    # The sample's hard cases, as spoken.
    for phrase in (
        "soixante-dix-huitième session",
        "douze mars deux mille vingt",
        "quarante et une recommandations",
        "vingt et une nouvelles",
        "cinquante-huit tiret un",
        "L cent vingt-trois tiret quatre",
        "entre soixante et soixante-dix pour cent",
        "premiers dossiers",
        "deux milliards d'euros",
        "trois à un",
        "monsieur Dupont,",
        "avant Jésus-Christ",
        "messieurs Martin",
        "l'ONU",
        "deux-chevaux",
        "cinq l'an",
        "zéro un, quarante-cinq, soixante-sept, quatre-vingt-neuf, douze",
        "moins cinq degrés Celsius",
        "vingt et unième siècle",
    ):
        assert phrase in spoken, phrase
    assert spoken.count("moins") == 2  # -5 °C and -3: the two written minus signs


CORPUS = sorted((SHARED / "corpus").glob("*/*.txt"))


@pytest.mark.skipif(not CORPUS, reason="../shared/corpus not present")
@pytest.mark.parametrize("path", CORPUS, ids=[p.name[:24] for p in CORPUS])
def test_corpus_article(path: Path) -> None:
    _check(path)
