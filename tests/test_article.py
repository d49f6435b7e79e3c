from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.article import parse_html, parse_markdown, parse_text, read_article, slugify
from bulletin.errors import ArticleError


def test_seed_style_date_line_and_headings() -> None:
    a = parse_text(" date 2019-12 Premier paragraphe ici.\n\nUn intertitre court\n\nDeuxième paragraphe, fini.")
    assert a.date == "2019-12"
    assert [(b.kind, b.text) for b in a.blocks] == [
        ("paragraph", "Premier paragraphe ici."),
        ("heading", "Un intertitre court"),
        ("paragraph", "Deuxième paragraphe, fini."),
    ]


def test_header_lines() -> None:
    a = parse_text("source: https://exemple.org/a\ndate: 2016-03-22\ntitle: Un titre\n\nCorps du texte.")
    assert (a.title, a.date, a.source) == ("Un titre", "2016-03-22", "https://exemple.org/a")
    assert [b.text for b in a.blocks] == ["Corps du texte."]


def test_lines_of_a_paragraph_are_joined_and_quote_paragraph_is_not_heading() -> None:
    a = parse_text("Une phrase qui\ncontinue ici.\n\n« Une citation sans point final »\n\n— Jeanne Dupont, maire")
    assert a.blocks[0].text == "Une phrase qui continue ici."
    assert all(b.kind == "paragraph" for b in a.blocks)


def test_cp1252_and_bom(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_bytes("title: Été\n\nÇa coûte 5 € à l’école.".encode("cp1252"))
    a = read_article(p)
    assert a.title == "Été" and a.blocks[0].text == "Ça coûte 5 € à l’école."
    p.write_bytes("\ufeffCorps réel.".encode())
    assert read_article(p).blocks[0].text == "Corps réel."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no text"),
        (b"  \n\t \n", "no text"),
        (b"\x00\x01binary\x00" * 10, "binary"),
        (b"ID3\x04\x00junk", "binary"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(ArticleError, match=message):
        read_article(p)


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="no such file"):
        read_article(tmp_path / "absent.txt")
    with pytest.raises(ArticleError, match="folder"):
        read_article(tmp_path)


def test_markdown_and_html() -> None:
    md = parse_markdown("# Le titre\n\nUn **paragraphe** avec [lien](http://x).\n\n## Section deux\n\nFin.")
    assert md.title == "Le titre"
    assert [(b.kind, b.text) for b in md.blocks] == [
        ("paragraph", "Un paragraphe avec lien."),
        ("heading", "Section deux"),
        ("paragraph", "Fin."),
    ]
    html = parse_html(
        "<html><head><title>T</title><script>var x=1;</script></head><body><nav>menu</nav><article>"
        "<h1>Grand titre</h1><p>Premier &amp; seul.</p><h2>Intertitre</h2><p>Suite.</p></article>"
        "<footer>pied</footer></body></html>"
    )
    assert html.title == "Grand titre"
    assert [(b.kind, b.text) for b in html.blocks] == [
        ("paragraph", "Premier & seul."),
        ("heading", "Intertitre"),
        ("paragraph", "Suite."),
    ]


def test_slug_is_safe() -> None:
    assert slugify("../../etc/passwd <script>") == "etc-passwd-script"
    assert slugify("🎉") == "bulletin"
    assert len(slugify("a" * 500)) <= 60


def test_html_without_article_markup_goes_through_trafilatura() -> None:
    menu = "".join(f"<li><a href='/r{i}'>Rubrique {i}</a></li>" for i in range(12))
    page = (
        "<html><head><title>Crue de la Meuse | Le Courrier</title>"
        "<meta property='article:published_time' content='2026-02-03T07:00:00Z'></head><body>"
        f"<div class='menu'><ul>{menu}</ul></div><div class='content'><h1>Crue de la Meuse</h1>"
        "<p>La Meuse a dépassé la cote d'alerte mardi matin à Dinant, où les quais ont été fermés.</p>"
        "<p>« Nous surveillons la situation heure par heure », a indiqué le bourgmestre, Paul Henrard.</p>"
        "</div><div class='footer'>Tous droits réservés. Conditions d'utilisation. Cookies.</div></body></html>"
    )
    art = parse_html(page)
    assert art.title == "Crue de la Meuse" and art.date == "2026-02-03"
    text = " ".join(b.text for b in art.blocks)
    assert "Dinant" in text and "Paul Henrard" in text
    assert "Rubrique" not in text and "Cookies" not in text
