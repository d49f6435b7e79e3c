"""Issue 24: daily bulletins from real news feeds. A feed of teasers and links, served on
127.0.0.1 with robots.txt, a missing page, a slow page, a paywall and an error page: the batch
reads the linked pages where it should, says what failed, obeys robots.txt, and a second run
downloads nothing (the server answers 304 to every page it had already sent)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bulletin.readers.feed import TEASER_WORDS, is_teaser, same_story
from bulletin.readers.model import Block

SLOW_SECONDS = 4.0  # the slow page answers after this; the batch gives up after --fetch-timeout 1


def page(title: str, *paragraphs: str, date: str = "2020-01-01") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><title>{title} | Le Courrier de Test</title>"
            f"<meta property='article:published_time' content='{date}'></head><body><nav>Accueil Sport Météo</nav>"
            f"<article><header><h1>{title}</h1><p>Publié le <time datetime='{date}'>1er janvier 2020</time></p>"
            f"</header>{body}</article><footer>Mentions légales</footer></body></html>").encode()  # fmt: skip


CIGOGNES = ("Les cigognes reviennent à Virelles",
            "Les ornithologues du lac de Virelles ont compté quatorze cigognes blanches ce printemps.",
            "Les nids installés sur les poteaux du marais sont tous occupés, un record depuis dix ans.")  # fmt: skip
BOULANGERIE = ("Une boulangerie coopérative ouvre à Ciney",
               "Trente habitants ont réuni leurs économies pour reprendre le fournil de la place Monseu.",
               "Le pain au levain y sera cuit au bois chaque matin dès six heures.")  # fmt: skip
PASSERELLE = ("La passerelle de Jambes rouvre aux cyclistes",
              "Après huit mois de travaux, les cyclistes retrouvent la passerelle qui enjambe la Meuse.",
              "Les garde-corps ont été rehaussés et un revêtement antidérapant posé sur le tablier.")  # fmt: skip
VERGERS = ("Les vergers hautes tiges replantés en Famenne",
           "Mille deux cents pommiers et poiriers d'anciennes variétés ont été plantés cet hiver.",
           "Les agriculteurs recevront une prime pour chaque arbre entretenu pendant quinze ans.")  # fmt: skip
LONG_CONTENT = " ".join(
    f"Le conseil de la commune de Gesves a examiné le point numéro {n} de son ordre du jour, consacré "
    "à l'entretien des chemins vicinaux et des sentiers de promenade." for n in range(1, 6)
)
PAYWALL_TEASER = ("Le marché de Noël de Durbuy accueillera cette année cinquante chalets, une patinoire "
                  "et une grande roue installée sur la place aux Foires.")  # fmt: skip
ERROR_TEASER = ("La piscine communale de Marche fermera tout le mois de février pour remplacer "
                "ses filtres et repeindre ses bassins.")  # fmt: skip


@dataclass
class Site:
    url: str
    answers: list[tuple[str, int]] = field(default_factory=list)
    """(path, status) of every answer, in order."""
    times: list[float] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    """The path of every request, as it arrives."""
    agents: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def routes(base: str) -> dict[str, tuple[str, bytes]]:
    html = "text/html; charset=utf-8"
    items = [
        # 1. a teaser and a link: the page is the story
        ("teaser", CIGOGNES[0], "<description>Quatorze cigognes au lac de Virelles.</description>", "/a/cigognes"),
        # 2. only a link
        ("link-only", BOULANGERIE[0], "", "/a/boulangerie"),
        # 3. the whole article in the feed: its link is never fetched
        ("full", "Le conseil de Gesves et ses chemins",
         f"<content:encoded><![CDATA[<p>{LONG_CONTENT}</p>]]></content:encoded>", "/a/gesves"),
        # 4. a page that answers 404
        ("missing", "Une page disparue", "<description>Un court résumé.</description>", "/a/disparue"),
        # 5. a path robots.txt disallows
        ("private", "Un article réservé aux robots polis", "<description>Un résumé.</description>", "/prive/x"),
        # 6. a page slower than the batch's timeout
        ("slow", "Une page qui traîne", "<description>Un résumé qui attend.</description>", "/a/lente"),
        # 7. a paywall: the page holds fewer words than the teaser
        ("paywall", "Le marché de Noël de Durbuy s'agrandit", f"<description>{PAYWALL_TEASER}</description>",
         "/a/durbuy"),
        # 8. an error page served with 200: its title is another one
        ("error-page", "La piscine de Marche ferme en février", f"<description>{ERROR_TEASER}</description>",
         "/a/piscine"),
        # 9. a teaser that ends with "Lire la suite"
        ("read-more", PASSERELLE[0], "<description>Les cyclistes retrouvent la passerelle. Lire la suite"
         "</description>", "/a/passerelle"),
        # 10. a teaser cut with […]
        ("cut", VERGERS[0], "<description>Mille deux cents arbres fruitiers ont été plantés […]</description>",
         "/a/vergers"),
    ]  # fmt: skip
    xml = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
           f"<channel><title>Le Courrier de Test</title><link>{base}/</link><description>Tests</description>"]
    for n, (guid, title, text, path) in enumerate(items, 1):
        xml.append(f"<item><guid isPermaLink='false'>{guid}</guid><title>{title}</title><link>{base}{path}</link>"
                   f"<pubDate>Mon, {n:02d} Nov 2026 07:00:00 GMT</pubDate><dc:creator>Rédaction {n}</dc:creator>"
                   f"{text}</item>")  # fmt: skip
    xml.append("</channel></rss>")
    return {
        "/feed.xml": ("application/rss+xml", "".join(xml).encode()),
        "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /prive/\n"),
        "/a/cigognes": (html, page(*CIGOGNES)),
        "/a/boulangerie": (html, page(*BOULANGERIE)),
        "/a/gesves": (html, page("Le conseil de Gesves", "Ce texte ne doit jamais être lu.")),
        "/prive/x": (html, page("Un article réservé aux robots polis", "Ce texte ne doit jamais être lu.")),
        "/a/lente": (html, page("Une page qui traîne", "Ce texte arrive trop tard.")),
        "/a/durbuy": (html, page("Le marché de Noël de Durbuy s'agrandit", "Cet article est réservé aux abonnés.")),
        "/a/piscine": (html, page("Page introuvable", "Oups, cette page n'existe plus.")),
        "/a/passerelle": (html, page(*PASSERELLE)),
        "/a/vergers": (html, page(*VERGERS)),
    }


@pytest.fixture
def site() -> Iterator[Site]:
    stop = threading.Event()
    state: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def answer(self, status: int, ctype: str = "text/plain", body: bytes = b"", etag: str = "") -> None:
            s: Site = state["site"]
            with s.lock:
                s.answers.append((self.path, status))
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the slow page)

        def do_GET(self) -> None:  # the name http.server calls
            s: Site = state["site"]
            with s.lock:
                s.times.append(time.monotonic())
                s.asked.append(self.path)
                s.agents.add(self.headers.get("User-Agent", ""))
            found = routes(s.url).get(self.path)
            if found is None:
                return self.answer(404, body=b"not found")
            if self.path == "/a/lente" and stop.wait(SLOW_SECONDS):
                return None
            ctype, body = found
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self.answer(304, etag=etag)
            return self.answer(200, ctype, body, etag)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["site"] = Site(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["site"]
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
        assert not thread.is_alive()


def run_batch(site: Site, out: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "bulletin_debug")}
    return subprocess.run(
        [sys.executable, "-m", "bulletin", "batch", f"{site.url}/feed.xml", "-o", str(out), "--engine", "espeak",
         "--outputs", "mp3,json", "--cache-dir", str(cache), "--fetch-delay", "0.2", "--fetch-timeout", "1",
         "-w", "2", "-q"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip


def spoken_text(out: Path, date: str) -> str:
    (manifest,) = out.glob(f"{date}-*.json")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return " ".join(s["text"] for s in data["segments"])


def test_a_feed_of_teasers_becomes_whole_bulletins_politely_and_only_once(site: Site, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = run_batch(site, out, cache)
    assert first.returncode == 1, first.stderr  # three items failed
    assert "Traceback" not in first.stderr
    assert "7 made, 0 unchanged, 3 failed" in first.stdout

    # The pages' text is read where the feed had only a teaser or a link; the feed's title and
    # date name the bulletin (the pages say 2020-01-01 and add the site's name to their title).
    for date, (title, *paragraphs) in [("2026-11-01", CIGOGNES), ("2026-11-02", BOULANGERIE),
                                       ("2026-11-09", PASSERELLE), ("2026-11-10", VERGERS)]:  # fmt: skip
        text = spoken_text(out, date)
        assert all(p in text for p in paragraphs), (date, text)
        assert title in text and "Le Courrier de Test" not in text
        assert "1er janvier 2020" not in text  # the header's <time> is metadata
    assert "Lire la suite" not in spoken_text(out, "2026-11-09")
    # The whole article in the feed is read from the feed; its link is never asked for.
    assert LONG_CONTENT[:80] in spoken_text(out, "2026-11-03")
    assert ("/a/gesves", 200) not in site.answers
    # A paywall and an error page are not the story: the feed's text is read, with a warning.
    assert PAYWALL_TEASER in spoken_text(out, "2026-11-07") and "abonnés" not in spoken_text(out, "2026-11-07")
    assert ERROR_TEASER in spoken_text(out, "2026-11-08") and "Oups" not in spoken_text(out, "2026-11-08")
    warnings = [line for line in first.stderr.splitlines() if line.startswith("warning:")]
    assert any("/a/durbuy is not the story" in w and "fewer words" in w for w in warnings), warnings
    assert any("/a/piscine is not the story" in w and "Page introuvable" in w for w in warnings), warnings

    # What failed is said, one line each; robots.txt is obeyed (the path is never requested).
    failed = [line for line in first.stderr.splitlines() if line.startswith("failed")]
    assert len(failed) == 3, first.stderr
    assert any(line.startswith("failed     missing:") and "/a/disparue: HTTP 404" in line for line in failed)
    assert any(line.startswith("failed     private:") and "robots.txt" in line for line in failed)
    assert any(line.startswith("failed     slow:") and "timeout after 1 s" in line for line in failed)
    assert not any(path.startswith("/prive/") for path, _ in site.answers)

    # Polite: bulletin names itself, and the requests to the one host are spaced by the delay.
    assert site.agents and all(a.startswith("bulletin/") and "(+http" in a for a in site.agents), site.agents
    # (a lower bound set by the pauses themselves; the arrival of one request can lag on a busy machine)
    times = sorted(site.times)
    assert times[-1] - times[0] >= (len(times) - 1) * 0.2 - 0.15, times

    # A second run downloads nothing: every page it had is answered 304, and what failed a moment
    # ago is not asked again (still reported as failed, from the cache).
    with site.lock:
        site.answers.clear()
        asked_before = len(site.asked)
    second = run_batch(site, out, cache)
    assert "0 made, 7 unchanged, 3 failed" in second.stdout, second.stdout + second.stderr
    asked = site.asked[asked_before:]
    # Answers to this run's requests only: the first run's slow page is answered late, to no one.
    answered = [status for path, status in site.answers if path in asked]
    assert answered and set(answered) == {304} and len(answered) == len(asked), site.answers
    assert "not asked again before" in second.stderr, second.stderr
    assert ("/feed.xml", 304) in site.answers and ("/a/cigognes", 304) in site.answers
    assert "downloads  0 downloaded" in second.stdout


def test_teasers_and_titles() -> None:
    """The rules the module documents, on items written for the test."""
    long_text = " ".join(["mot"] * TEASER_WORDS)
    assert is_teaser(())  # no text
    assert is_teaser((Block("paragraph", "Une phrase courte."),))  # short
    assert not is_teaser((Block("paragraph", long_text + "."),))
    assert is_teaser((Block("paragraph", long_text + " Lire la suite"),))
    assert is_teaser((Block("paragraph", long_text + " […]"),))
    assert is_teaser((Block("paragraph", long_text + "…"),))
    assert same_story("Les cigognes reviennent à Virelles", "Les cigognes reviennent à Virelles - Le Courrier")
    assert not same_story("La piscine de Marche ferme en février", "Page introuvable")


def test_last_modified_is_enough_for_a_conditional_get_and_old_entries_are_pruned(tmp_path: Path) -> None:
    """A server that sends Last-Modified but no ETag (Python's own file server) answers 304 too."""
    from bulletin.errors import ArticleError
    from bulletin.readers.http import Fetcher, HttpCache

    from .conftest import served

    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: bulletin\nDisallow: /cache/\n", encoding="utf-8")
    (site / "page.html").write_bytes(page(*CIGOGNES))
    (site / "cache").mkdir()
    (site / "cache" / "x.html").write_bytes(page(*VERGERS))
    cache = HttpCache(tmp_path / "http")
    with served(site) as url:
        fetcher = Fetcher(cache, delay=0)
        first = fetcher.get(f"{url}/page.html")
        again = Fetcher(cache, delay=0).get(f"{url}/page.html")  # a later run
        with pytest.raises(ArticleError, match=r"disallowed by the site's robots\.txt$"):
            fetcher.get(f"{url}/cache/x.html")
    assert not first.cached and again.cached and again.data == first.data == page(*CIGOGNES)
    assert fetcher.stats.refused_by_robots == [f"{url}/cache/x.html"]
    assert cache.prune(older_than=3600) == 0
    assert cache.prune(older_than=-1) == 4  # robots.txt and the page: validators and body each
    assert not list((tmp_path / "http").iterdir())


def test_a_failed_download_is_remembered_for_a_while_then_asked_again(tmp_path: Path) -> None:
    """Re-running right after a batch does not knock again on a missing page; later runs do."""
    from bulletin.errors import ArticleError
    from bulletin.readers.http import RETRY_FAILED_S, Fetcher, HttpCache

    from .conftest import served

    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    cache = HttpCache(tmp_path / "http")
    with served(site) as url:
        with pytest.raises(ArticleError, match="404"):
            Fetcher(cache, delay=0).get(f"{url}/later.html")
        (site / "later.html").write_bytes(page(*CIGOGNES))  # it appears a minute later
        soon = Fetcher(cache, delay=0)
        with pytest.raises(ArticleError, match=r"404.*not asked again before"):
            soon.get(f"{url}/later.html")
        assert soon.stats.remembered_failures == 1 and soon.stats.downloaded == 0
        (fail,) = (tmp_path / "http").glob("*.fail")
        meta = json.loads(fail.read_text(encoding="utf-8"))
        meta["at"] -= RETRY_FAILED_S + 1  # the window has passed
        fail.write_text(json.dumps(meta), encoding="utf-8")
        later = Fetcher(cache, delay=0)
        assert later.get(f"{url}/later.html").data == page(*CIGOGNES) and later.stats.downloaded == 1
    assert not list((tmp_path / "http").glob("*.fail"))  # a success forgets the failure
