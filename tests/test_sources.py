"""Where articles come from: URLs (a local server on 127.0.0.1, never the internet), standard
input, files and folders, and the one-line errors for every way a download fails."""

from __future__ import annotations

import contextlib
import io
import shutil
import socket
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bulletin.article import Article
from bulletin.errors import ArticleError
from bulletin.sources import MAX_DOWNLOAD, collect, fetch, load_article, stories_from_feed

SAMPLES = Path(__file__).parent / "samples"
MD = "text/markdown; charset=utf-8"
HTML = "text/html; charset=utf-8"


def _routes() -> dict[str, tuple[str, bytes]]:
    return {
        "/page.html": (HTML, (SAMPLES / "reader_page.html").read_bytes()),
        "/article": (HTML, (SAMPLES / "reader_unmarked.html").read_bytes()),  # no suffix: the type says HTML
        "/notes.md": ("text/plain", (SAMPLES / "reader_front_matter.md").read_bytes()),  # the suffix wins
        "/plain": ("text/plain", "title: Brève\n\nUn texte brut servi tel quel.".encode()),
        "/euro": ("text/html; charset=iso-8859-15", "<article><p>Le ticket coûte 2 ¤.</p></article>".encode("latin-1")),
        "/feed": ("application/rss+xml", (SAMPLES / "reader_feed.xml").read_bytes()),
        "/feed-as-xml": ("text/xml", (SAMPLES / "reader_feed.xml").read_bytes()),
        "/empty.html": (HTML, b"<html><head><title>Vide</title><script>var a = 1;</script></head><body></body></html>"),
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _head(self, status: int, ctype: str, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, as expected
            self._answer()

    def _answer(self) -> None:
        routes = _routes()
        if self.path in routes:
            ctype, body = routes[self.path]
            self._head(200, ctype, len(body))
            self.wfile.write(body)
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/declared-huge":
            self._head(200, HTML, MAX_DOWNLOAD + 1)
            self.wfile.write(b"<p>" + b"x" * 1000)
        elif self.path == "/endless":  # no length announced: the body itself must be cut off
            self._head(200, HTML)
            chunk = b"<p>" + b"bla " * 16_384 + b"</p>"
            for _ in range(MAX_DOWNLOAD // len(chunk) + 10):
                self.wfile.write(chunk)
        elif self.path == "/trickle":  # a byte now and then: never a read timeout, never an end
            self._head(200, HTML)
            while not self.server.stop.wait(0.05):
                self.wfile.write(b"x")
                self.wfile.flush()
        else:
            self._head(404, HTML)
            self.wfile.write(b"<p>Not here</p>")


class _Site(ThreadingHTTPServer):
    daemon_threads = False  # server_close() then joins every handler thread: none is left behind
    stop = threading.Event()


@pytest.fixture
def site() -> Iterator[str]:
    server = _Site(("127.0.0.1", 0), _Handler)
    server.stop = threading.Event()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
        assert not thread.is_alive()


def test_load_article_from_urls(site: str) -> None:
    page = load_article(f"{site}/page.html")
    assert (page.title, page.date) == ("Le marché couvert fête ses cent ans", "2025-10-04")
    assert page.source == f"{site}/page.html"
    assert "— Hélène Vasseur, fromagère" in [b.text for b in page.blocks]
    unmarked = load_article(f"{site}/article")  # trafilatura finds the article among the menus
    assert (unmarked.title, unmarked.date) == ("Les abeilles reviennent au parc", "2025-06-21")
    assert not any("Rubrique" in b.text for b in unmarked.blocks)
    md = load_article(f"{site}/notes.md")
    assert (md.title, md.source) == ("La passerelle de Jambes rouvre", "https://exemple.be/passerelle")
    plain = load_article(f"{site}/plain")
    assert (plain.title, [b.text for b in plain.blocks]) == ("Brève", ["Un texte brut servi tel quel."])
    # the charset the server announces is used when the bytes are not UTF-8 (cp1252 would give ¤)
    assert load_article(f"{site}/euro").blocks[0].text == "Le ticket coûte 2 €."


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.html", "HTTP 404 Not Found"),
        ("/loop", "too many redirects"),
        ("/declared-huge", "it is larger than 20 MB"),
        ("/endless", "it is larger than 20 MB"),
        ("/feed", "is an RSS/Atom feed, not an article: bulletin batch reads feeds"),
        ("/feed-as-xml", "is an RSS/Atom feed, not an article: bulletin batch reads feeds"),
        ("/empty.html", "holds no text to read"),
    ],
)
def test_load_article_url_errors_are_one_line_naming_the_url(site: str, path: str, message: str) -> None:
    with pytest.raises(ArticleError) as info:
        load_article(site + path)
    text = str(info.value)
    assert site + path in text and text.endswith(message) and "\n" not in text


def test_a_trickling_server_is_cut_off(site: str) -> None:
    with pytest.raises(ArticleError) as info:
        fetch(f"{site}/trickle", timeout=5, max_seconds=0.5)
    assert str(info.value) == f"cannot download {site}/trickle: the server is too slow (over 0.5 s)"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel does) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_network_errors_are_one_plain_line(silent_port: int, closed_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    def message(url: str, timeout: float = 15.0) -> str:
        with pytest.raises(ArticleError) as info:
            fetch(url, timeout)
        return str(info.value)

    url = f"http://127.0.0.1:{silent_port}/a"
    assert message(url, 0.3) == f"cannot download {url}: the server did not answer (timeout after 0.3 s)"
    url = f"http://127.0.0.1:{closed_port}/a"
    assert message(url) == f"cannot download {url}: the connection was refused"
    assert message("http://[::1/a") == "cannot download http://[::1/a: not a valid web address"

    def no_such_name(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)  # DNS itself is not asked: no internet
    assert message("https://nouvelles.invalid/a") == "cannot download https://nouvelles.invalid/a: name not found"


def test_a_certificate_that_is_not_trusted_is_one_line(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)  # fmt: skip
    server = _Site(("127.0.0.1", 0), _Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    url = f"https://127.0.0.1:{server.server_address[1]}/page.html"
    try:
        with pytest.raises(ArticleError) as info:
            fetch(url, 5)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert str(info.value) == f"cannot download {url}: its certificate was not accepted"


def test_load_article_from_standard_input() -> None:
    md = load_article("-", stdin=io.BytesIO((SAMPLES / "reader_front_matter.md").read_bytes()))
    assert md.title == "La passerelle de Jambes rouvre" and "— Claire Mertens, échevine de la Mobilité" in [
        b.text for b in md.blocks
    ]
    html = load_article("-", stdin=io.BytesIO((SAMPLES / "reader_page.html").read_bytes()))
    assert (html.title, html.date) == ("Le marché couvert fête ses cent ans", "2025-10-04")
    text = load_article("-", stdin=io.BytesIO("title: Été\n\nÇa coûte 5 € à l’école.".encode("cp1252")))
    assert (text.title, text.blocks[0].text) == ("Été", "Ça coûte 5 € à l’école.")
    with_controls = load_article("-", stdin=io.BytesIO((SAMPLES / "reader_controls.txt").read_bytes()))
    assert with_controls.warnings == ("dropped 3 control characters from the text (ESC ×2, BEL)",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "standard input holds no text to read"),
        (b"ID3\x04\x00\x00junk", "standard input is a binary file, not a text article"),
        ((SAMPLES / "reader_feed.xml").read_bytes(), "standard input holds an RSS/Atom feed, not an article"),
    ],
)
def test_standard_input_errors(data: bytes, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        load_article("-", stdin=io.BytesIO(data))


def test_load_article_paths_and_other_schemes(tmp_path: Path) -> None:
    assert load_article(SAMPLES / "reader_bad_date.md").title == "Un calendrier fantaisiste"
    assert load_article(str(SAMPLES / "reader_bad_date.md")).date is None
    with pytest.raises(ArticleError, match="no such file"):
        load_article(str(tmp_path / "absent.txt"))
    with pytest.raises(ArticleError, match=r"^cannot read ftp://exemple.be/a.txt: only http:// and https://"):
        load_article("ftp://exemple.be/a.txt")


def test_collect_urls_feed_page_and_failures(site: str, closed_port: int) -> None:
    refused = f"http://127.0.0.1:{closed_port}/a"
    stories, failures = collect([f"{site}/page.html", f"{site}/feed", f"{site}/missing.html", refused], timeout=5)
    assert [s.key for s in stories] == [f"{site}/page.html", "gazette-1", "gazette-2"]
    page, signed, impossible = (s.article for s in stories)
    assert page.date == "2025-10-04" and signed.date == "2025-03-03"
    assert [b.text for b in signed.blocks][1:] == ["« Il s'ouvre en deux minutes, comme en 1920. »",
                                                   "— Marc Henrotte, éclusier"]  # fmt: skip
    # feedparser rolls 2019-13-45 over to 2020-01-01: the reader does not
    assert impossible.date is None
    assert impossible.warnings == ("ignored the date '2019-13-45': there is no such day in the calendar",)
    assert [(f.key, f.reason) for f in failures] == [
        (f"{site}/missing.html", f"cannot download {site}/missing.html: HTTP 404 Not Found"),
        (refused, f"cannot download {refused}: the connection was refused"),
    ]


def test_feed_text_keeps_no_control_character() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item><guid>a</guid>'
        b"<title>Un titre\x07 sonore</title><description>Un texte\x1b sans bruit.</description>"
        b"</item></channel></rss>"
    )
    (story,), failures = stories_from_feed(feed, "flux.xml")
    assert (story.article.title, story.article.blocks[0].text) == ("Un titre sonore", "Un texte sans bruit.")
    assert story.article.warnings == ("dropped 2 control characters from the text (ESC, BEL)",) and not failures


def test_collect_reads_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("reader_feed.xml", "reader_page.html", "reader_controls.txt", "reader_bad_date.md"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "notes.xml").write_text("<notes><note>Pas un flux.</note></notes>", encoding="utf-8")
    opened: Counter[str] = Counter()
    real_open = io.open

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith(str(folder)):
            opened[Path(file).name] += 1
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    stories, failures = collect([str(folder)])
    assert opened == dict.fromkeys(
        ["reader_feed.xml", "reader_page.html", "reader_controls.txt", "reader_bad_date.md", "notes.xml"], 1
    )
    by_key: dict[str, Article] = {s.key: s.article for s in stories}
    assert set(by_key) == {"gazette-1", "gazette-2", *(str((folder / n).resolve()) for n in (
        "reader_page.html", "reader_controls.txt", "reader_bad_date.md"))}  # fmt: skip
    assert by_key[str((folder / "reader_controls.txt").resolve())].warnings == (
        "dropped 3 control characters from the text (ESC ×2, BEL)",
    )
    assert by_key[str((folder / "reader_bad_date.md").resolve())].date is None
    assert [f.key for f in failures] == [str(folder / "notes.xml")]
    assert failures[0].reason.startswith("not a readable RSS/Atom feed")
