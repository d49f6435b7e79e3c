from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.article import (
    Article,
    normalize_date,
    parse_html,
    parse_markdown,
    parse_text,
    read_article,
    slugify,
    sniff_format,
)
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


# --- what a newcomer feeds it (issue 16 "Inputs", issue 13 items 4, 10 and library errors) -------

SAMPLES = Path(__file__).parent / "samples"


def kinds_and_texts(article: Article) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in article.blocks]


def test_markdown_front_matter_title_date_and_link() -> None:
    art = read_article(SAMPLES / "reader_front_matter.md")
    assert (art.title, art.date, art.source) == (
        "La passerelle de Jambes rouvre", "2025-09-14", "https://exemple.be/passerelle"
    )  # fmt: skip
    texts = [b.text for b in art.blocks]
    # the "# Title" that repeats the front matter's title is not read twice; no key is read aloud
    assert "La passerelle de Jambes rouvre" not in texts
    assert not any("Rédaction locale" in t or "mobilité" in t or "tags" in t for t in texts)
    assert art.warnings == ()


def test_markdown_title_header_line_and_toml_front_matter() -> None:
    art = parse_markdown("title: Le titre donné\ndate: 22/03/2016\n\nLe corps du texte.")
    assert (art.title, art.date) == ("Le titre donné", "2016-03-22")
    assert kinds_and_texts(art) == [("paragraph", "Le corps du texte.")]
    toml = parse_markdown('+++\ntitle = "En TOML"\ndate = 2016-03-22T10:00:00+01:00\n+++\n\nTexte.')
    assert (toml.title, toml.date, [b.text for b in toml.blocks]) == ("En TOML", "2016-03-22", ["Texte."])
    folded = parse_markdown('---\ntitle: >-\n  Un titre\n  sur deux lignes\ndate: 2025-01-02  # publiée\n'
                            'source: "https://exemple.be/a#b"\n---\nTexte.')  # fmt: skip
    assert (folded.title, folded.date, folded.source) == (
        "Un titre sur deux lignes",
        "2025-01-02",
        "https://exemple.be/a#b",
    )
    # a rule line above ordinary text is not front matter: nothing is lost
    ruled = parse_markdown("---\nUn paragraphe entre deux filets.\n---\n\nSuite.")
    assert [b.text for b in ruled.blocks] == ["Un paragraphe entre deux filets.", "Suite."]


def test_markdown_block_quote_signed_with_a_dash_line_becomes_a_quote() -> None:
    art = read_article(SAMPLES / "reader_front_matter.md")
    texts = [b.text for b in art.blocks]
    i = texts.index("« Nous avons tenu le calendrier, et le budget aussi. C'était loin d'être gagné. »")
    assert texts[i + 1] == "— Claire Mertens, échevine de la Mobilité"
    # "> — Name" inside the quote; marks already there are not doubled; emphasis removed
    j = texts.index("« Le plus dur, c'était le mois de février. »")
    assert texts[j + 1] == "— Luc Baudoin, riverain"
    # an unsigned block quote stays narration, without marks
    assert "Un panneau rappelle désormais la vitesse maximale autorisée." in texts


@pytest.mark.parametrize(
    "source",
    [
        "Texte.\n\n> Premier paragraphe.\n>\n> Second paragraphe.\n\n– Jean Petit, maire\n\nFin.",
        "Texte.\n\n> Premier paragraphe.\n>\n> Second paragraphe.\n-- Jean Petit, maire\nFin.",
        "Texte.\n\n> Premier paragraphe.\n>\n> Second paragraphe.\n> ― Jean Petit, maire\n\nFin.",
    ],
    ids=["blank-line-en-dash", "next-line-double-hyphen", "inside-horizontal-bar"],
)
def test_markdown_signature_forms(source: str) -> None:
    assert [b.text for b in parse_markdown(source).blocks] == [
        "Texte.", "« Premier paragraphe.", "« Second paragraphe. »", "— Jean Petit, maire", "Fin."
    ]  # fmt: skip


def test_a_dash_line_that_is_not_a_signature_leaves_the_block_quote_alone() -> None:
    art = parse_markdown("> Une phrase citée.\n\n— Pourquoi ce choix ? — Parce que la ville le demandait.")
    assert art.blocks[0].text == "Une phrase citée."


def test_signed_block_quotes_are_given_to_the_named_person() -> None:
    from bulletin.quotes import detect_quotes

    art = read_article(SAMPLES / "reader_front_matter.md")
    speakers = [p.speaker for ps in detect_quotes([b.text for b in art.blocks]) for p in ps if p.kind == "quote"]
    assert speakers == ["Claire Mertens", "Luc Baudoin"]


@pytest.mark.parametrize("name", ["reader_page.html", "reader_unmarked.html"])
def test_html_block_quotes_signed_after_or_in_footer_cite_figcaption(name: str) -> None:
    from bulletin.quotes import detect_quotes

    art = read_article(SAMPLES / name)
    texts = [b.text for b in art.blocks]
    quotes = [(t, texts[i + 1]) for i, t in enumerate(texts) if t.startswith("« ")]
    expected = {
        "reader_page.html": [
            ("« Mon grand-père vendait déjà ses fromages ici en 1950. »", "— Hélène Vasseur, fromagère"),
            ("« Ce lieu appartient à tous les habitants. »", "— Bruno Lefèvre, bourgmestre"),
            ("« La halle sera rénovée l'an prochain, sans fermer un seul samedi. »", "— Sophie Dumont, architecte"),
        ],
        "reader_unmarked.html": [  # through trafilatura, which drops footers: the name is moved out first
            ("« Nous espérons récolter notre premier miel dès la fin de l'été prochain. »",
             "— Julien Marchal, président de l'association"),
            ("« Les enfants pourront visiter le rucher avec leur école dès septembre. »",
             "— Nadia Benali, institutrice"),
        ],
    }[name]  # fmt: skip
    assert quotes == expected
    speakers = [p.speaker for ps in detect_quotes(texts) for p in ps if p.kind == "quote"]
    assert speakers == [who[2:].split(",")[0] for _, who in expected]
    assert not any("Rubrique" in t or "Cookies" in t or "Accueil" in t for t in texts)


def test_moving_a_signature_keeps_accents_whatever_charset_the_page_declares() -> None:
    page = (
        "<html><head><meta charset='iso-8859-1'></head><body><article><p>Été déjà là.</p>"
        "<blockquote><p>Ça va très bien.</p><footer>— Hélène Dupré</footer></blockquote></article></body></html>"
    )
    assert [b.text for b in parse_html(page).blocks] == ["Été déjà là.", "« Ça va très bien. »", "— Hélène Dupré"]


def test_html_inline_q_keeps_its_marks() -> None:
    art = parse_html("<article><p>Elle a lancé <q>On verra bien</q> en partant.</p></article>")
    assert [b.text for b in art.blocks] == ["Elle a lancé « On verra bien » en partant."]


@pytest.mark.parametrize(
    ("head", "body", "date"),
    [
        ("<meta property='article:published_time' content='2025-02-03T07:00:00Z'>", "", "2025-02-03"),
        ("<meta name='date' content='04/02/2025'>", "", "2025-02-04"),
        ("<meta itemprop='datePublished' content='2025-02-05'>", "", "2025-02-05"),
        ("", "<span itemprop='datePublished' content='2025-02-06'>6 février</span>", "2025-02-06"),
        (
            '<script type="application/ld+json">[{"@type": "NewsArticle", "datePublished": "2025-02-07"}]</script>',
            "",
            "2025-02-07",
        ),
        ("", "<time datetime='2025-02-08T10:00'>8 février</time><time datetime='2025-01-01'>x</time>", "2025-02-08"),
        # "published" says more than a page's generic date, which can be its last change
        ("<meta name='date' content='2025-03-01'>", "<time datetime='2025-02-09'>9 février</time>", "2025-02-09"),
        ("", "", None),
    ],
    ids=["published_time", "meta-date", "itemprop-meta", "itemprop-span", "json-ld", "first-time", "order", "none"],
)
def test_html_dates(head: str, body: str, date: str | None) -> None:
    page = f"<html><head>{head}</head><body><time datetime='2020-01-01'>hors article</time><article>{body}" \
           "<p>Le texte de l'article, assez long pour être lu.</p></article></body></html>"  # fmt: skip
    art = parse_html(page)
    assert art.date == date and art.warnings == ()


def test_html_impossible_date_is_a_warning_and_the_next_source_is_used() -> None:
    page = "<html><head><meta property='article:published_time' content='2019-13-45'>{}</head><body><article>" \
           "<p>Le texte.</p></article></body></html>"  # fmt: skip
    alone = parse_html(page.format(""))
    assert alone.date is None
    assert alone.warnings == ("ignored the date '2019-13-45': there is no such day in the calendar",)
    backed = parse_html(page.format("<meta name='date' content='2019-12-31'>"))
    assert backed.date == "2019-12-31" and len(backed.warnings) == 1


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2016-03-22", "2016-03-22"), ("2016-03-22T23:59:00+01:00", "2016-03-22"), ("2016-03-22 10:00:00 +0100",
        "2016-03-22"), ("2019-12", "2019-12"), ("2019", "2019"), ("22/03/2016", "2016-03-22"), ("12-03-2020",
        "2020-03-12"), ("2016/03/22", "2016-03-22"), ("mardi 22 mars 2016", "2016-03-22"), ("1er février 2024",
        "2024-02-01"), ("1 fevrier 2024", "2024-02-01"), ("Tue, 22 Mar 2016 10:00:00 GMT", "2016-03-22"),
        ("2019-13-45", None), ("2019-02-29", None), ("2019-00", None), ("0000-00-00", None), ("31/04/2016", None),
        ("30 février 2016", None), ("Mon, 45 Mar 2016 10:00:00 GMT", None), ("la semaine dernière", None), ("", None),
    ],
)  # fmt: skip
def test_dates_are_checked_against_the_calendar(value: str, iso: str | None) -> None:
    assert normalize_date(value) == iso


def test_impossible_dates_in_every_reader_give_a_warning_not_a_date() -> None:
    md = read_article(SAMPLES / "reader_bad_date.md")
    assert md.date is None and md.title == "Un calendrier fantaisiste"
    assert md.warnings == ("ignored the date '2019-13-45': there is no such day in the calendar",)
    text = parse_text("date: 2019-13-45\n\nTexte.")
    assert (text.date, [b.text for b in text.blocks]) == (None, ["Texte."]) and len(text.warnings) == 1
    seed = parse_text("date 2019-13 Le texte commence ici.")
    assert (seed.date, [b.text for b in seed.blocks]) == (None, ["Le texte commence ici."]) and seed.warnings
    # words that are not a date at all are still the author's: kept, and said
    words = parse_text("date: la semaine dernière\n\nTexte.")
    assert [b.text for b in words.blocks] == ["la semaine dernière", "Texte."]
    assert words.warnings == ("ignored the date 'la semaine dernière': it is not a date bulletin can read",)


def test_control_characters_are_dropped_with_a_warning(tmp_path: Path) -> None:
    art = read_article(SAMPLES / "reader_controls.txt")
    assert [b.text for b in art.blocks] == ["Le robot a laissé un caractère parasite dans ce texte.",
                                            "Le reste se lit sans peine."]  # fmt: skip
    assert art.warnings == ("dropped 3 control characters from the text (ESC ×2, BEL)",)
    # a short article with a few of them is not "a binary file"
    p = tmp_path / "court.md"
    p.write_bytes(b"# Titre\x07\n\nUn \x1bmot.")
    short = read_article(p)
    assert (short.title, short.blocks[0].text, len(short.warnings)) == ("Titre", "Un mot.", 1)
    html = parse_html("<article><p>Un \x1b[0mmot\x07 de plus &#27;ici.</p></article>")
    assert html.blocks[0].text == "Un mot de plus ici." and html.warnings == (
        "dropped 2 control characters from the text (ESC, BEL)",
    )


def test_real_binaries_are_still_refused(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)  # bytes without NUL: no magic number and no NUL byte give it away
    noisy = bytes(rng.choice([*range(1, 32), *range(127, 256)]) for _ in range(5000))
    for content in (noisy, b"\x1f\x8b\x08" + noisy, b"%PDF-1.4" + noisy):
        p = tmp_path / "x.txt"
        p.write_bytes(content)
        with pytest.raises(ArticleError, match="binary"):
            read_article(p)


def test_hostile_html_gives_text_or_an_article_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python's HTML parser asserts on "<![foo bar]>": the reader skips it like a comment
    art = parse_html("<article><p>Avant.</p><![foo bar]><p>Après.</p></article>")
    assert [b.text for b in art.blocks] == ["Avant.", "Après."]
    # libxml2 reads "&#27;" as ESC, which lxml then refuses to write back
    signed = parse_html("<article><blockquote><p>Une phrase.</p><footer>&#27;Paul Durand</footer></blockquote>")
    assert [b.text for b in signed.blocks] == ["« Une phrase. »", "— Paul Durand"]
    deep = parse_html("<html><body>" + "<div>" * 5000 + "<p>Tout au fond du texte.</p>" + "</div>" * 5000)
    assert [b.text for b in deep.blocks] == ["Tout au fond du texte."]

    import trafilatura
    from lxml import etree

    def broken(*args: object, **kwargs: object) -> str:
        raise etree.ParserError("Document is empty\nline 2 of the library's message")

    monkeypatch.setattr(trafilatura, "extract", broken)
    with pytest.raises(ArticleError) as info:
        parse_html("<html><body><p>Une page sans article balisé.</p></body></html>", "page.html")
    assert str(info.value) == "cannot read the HTML of page.html: Document is empty line 2 of the library's message"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        ("  <p>Un paragraphe.</p>", "html"),
        ("<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "html"),
        ("# Un titre\n\nDu texte.", "markdown"),
        ("Du texte.\n\n## Un intertitre\n\nSuite.", "markdown"),
        ("---\ntitle: Un titre\n---\nDu texte.", "markdown"),
        ("Du texte.\n\n> Une citation.\n\n— Paul Durand", "markdown"),
        ("title: Un titre\n\nDu texte avec un #mot-dièse et 3 < 4.", "text"),
        ("Du texte simple.", "text"),
    ],
)
def test_format_sniffing(text: str, fmt: str) -> None:
    assert sniff_format(text) == fmt


# --- issue 23 defect 2: reads are bounded for files that are not regular -------------------------


def _make(*args: str) -> tuple[int, str, int]:
    """``bulletin make`` in a subprocess: exit code, stderr, and the peak memory in KiB of the
    largest child this test process has had (this one included)."""
    import os
    import resource
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "BULLETIN_DEBUG"}
    r = subprocess.run([sys.executable, "-m", "bulletin", "make", *args, "--engine", "espeak"],
                       capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    return r.returncode, r.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def test_dev_zero_is_refused_in_one_line_with_bounded_memory(tmp_path: Path) -> None:
    code, err, peak_kib = _make("/dev/zero", "-o", str(tmp_path / "z.mp3"))
    message = "bulletin: error: /dev/zero holds more than 50 MB; articles up to 50 MB are read"
    assert code == 1 and err.strip().splitlines() == [message], err
    assert peak_kib < 400 * 1024  # the limit and a chunk, not the device's endless zeros
    assert not list(tmp_path.iterdir())


def test_a_fifo_fed_without_end_is_refused_and_one_that_ends_is_read(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "article.fifo"
    os.mkfifo(fifo)
    stop = threading.Event()

    def endless() -> None:
        try:
            with open(fifo, "wb") as fh:
                while not stop.is_set():
                    fh.write(b"Une phrase sans fin. " * 4096)
        except BrokenPipeError:
            pass  # the reader gave up: as it should

    writer = threading.Thread(target=endless)
    writer.start()
    try:
        code, err, _ = _make(str(fifo), "-o", str(tmp_path / "f.mp3"))
    finally:
        stop.set()
        writer.join(30)
    assert not writer.is_alive()
    assert code == 1 and "article.fifo holds more than 50 MB" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "f.mp3").exists()
    # A FIFO that ends is an article like any other.
    short = threading.Thread(target=lambda: fifo.write_bytes(b"Un court article venu d'un tube.\n"))
    short.start()
    try:
        assert read_article(fifo).blocks[0].text == "Un court article venu d'un tube."
    finally:
        short.join(30)


def test_the_time_in_an_article_header_is_metadata_not_narration() -> None:
    """Issue 22: the header's <time> was read aloud, and became the feed item's description."""
    art = parse_html(
        "<html><body><article><header><h1>Le pont de Dinant rouvre</h1><p>Publié le "
        "<time datetime='2026-11-27'>27 novembre 2026 à 8 h</time></p></header>"
        "<p>Le pont a rouvert le <time>12 mars</time> après des travaux.</p></article></body></html>"
    )
    assert art.date == "2026-11-27"
    texts = [b.text for b in art.blocks]
    assert not any("27 novembre" in t for t in texts)
    assert texts[-1] == "Le pont a rouvert le 12 mars après des travaux."  # a <time> in the story is read


def test_front_matter_read_by_yaml_and_toml_parsers() -> None:
    yaml_art = parse_markdown("---\ntitle: 'L''été à Namur'\ndate: 2019-13-45\nauthor: Anne Lemaire\n"
                              "tags: [ville, été]\n---\nUn texte.")  # fmt: skip
    assert (yaml_art.title, yaml_art.date, yaml_art.author) == ("L'été à Namur", None, "Anne Lemaire")
    assert any("2019-13-45" in w for w in yaml_art.warnings)  # the impossible date is said, the block kept
    assert [b.text for b in yaml_art.blocks] == ["Un texte."]
    toml_art = parse_text('+++\ntitle = "En TOML"\ndate = 2026-03-22\nauthor = "Paul Girard"\n+++\nUn texte.')
    assert (toml_art.title, toml_art.date, toml_art.author) == ("En TOML", "2026-03-22", "Paul Girard")
    # not YAML, so not front matter: its line is read as a header line, as it would be without the rules
    broken = parse_markdown("---\ntitle: [pas fermé\n---\nUn texte.")
    assert (broken.title, [b.text for b in broken.blocks]) == ("[pas fermé", ["Un texte."])


def test_standard_input_without_end_is_refused_in_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "BULLETIN_DEBUG"}
    with open("/dev/zero", "rb") as zeros:
        r = subprocess.run([sys.executable, "-m", "bulletin", "make", "-", "-o", str(tmp_path / "s.mp3"),
                            "--engine", "espeak"], stdin=zeros, capture_output=True, text=True, env=env,
                           timeout=120)  # fmt: skip
    assert r.returncode == 1 and r.stderr.strip().splitlines() == [
        "bulletin: error: standard input holds more than 50 MB; articles up to 50 MB are read"
    ], r.stderr
    assert not list(tmp_path.iterdir())
