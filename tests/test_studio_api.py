"""Issue 14: the studio's JSON API, against a real server (uvicorn, 127.0.0.1, a free port) with
httpx: the whole contract, bad input, the upload limit, the token, the host rule, downloads
that cannot leave the studio's folders, and a failed render as one line.

Issue 25 and defects 1 and 8 of issue 23: dates that would be paths, renders that never
overwrite each other, bounds on previews and uploads, previews in the render queue, Ctrl-C,
internal addresses, the Origin check behind a proxy, the lexicon, ZIPs, job expiry, voice
samples, the timeline, and the engine decided per render (a local gTTS server going down and up)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mutagen.id3 import ID3

from bulletin.ffmpeg import decode_to_pcm
from bulletin.normalize import load_lexicon
from bulletin.studio.jobs import Jobs
from bulletin.studio.pronunciations import add_pronunciation

from .conftest import ROOT, served
from .gtts_server import Behaviour, GttsServer, _QuietServer
from .studio_server import Running, running_studio, stop, studio_command, studio_env

ARTICLE = ROOT / "tests" / "samples" / "render_conseil.txt"
PAGE = ROOT / "tests" / "samples" / "reader_page.html"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("studio")
    folder = root / "batch"
    folder.mkdir()
    try:
        with running_studio(root, "--folder", str(folder)) as running:
            yield running
    finally:  # a module's folder outlives its tests unless removed
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def client(studio: Running) -> Iterator[httpx.Client]:
    with studio.client() as c:
        yield c


@pytest.fixture(scope="module")
def script(client: httpx.Client) -> dict[str, Any]:
    r = client.post("/api/script", json={"text": ARTICLE.read_text(encoding="utf-8"), "locale": "fr-BE"})
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


def seconds_of_mp3(data: bytes) -> float:
    return len(decode_to_pcm("mp3", 16000, data=data)) / 2 / 16000


# --- the contract --------------------------------------------------------------------------------


def test_the_page_and_its_files_are_served_from_the_package(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'aria-live="polite"' in page.text and '<label for="article-text">' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.split("<body", 1)[0].replace("https://…", "")  # nothing from elsewhere
    for path in ("/static/studio.js", "/static/studio.css"):
        assert client.get(path).status_code == 200


def test_voices(client: httpx.Client) -> None:
    r = client.get("/api/voices")
    assert r.status_code == 200
    data = r.json()
    assert data["engine"] == "espeak"
    assert data["voices"]["fr-BE"][0] == {**data["voices"]["fr-BE"][0], "id": "espeak:fr-be", "role": "anchor"}
    assert {v["gender"] for v in data["voices"]["fr-FR"][1:]} == {"f", "m"}


def test_script_from_text(script: dict[str, Any]) -> None:
    assert script["version"] == 1 and script["locale"] == "fr-BE"
    quotes = [s for s in script["segments"] if s["kind"] == "quote"]
    assert [q["speaker"] for q in quotes] == ["Anne Lemaire", "Anne Lemaire", "Paul Gérard", "Paul Gérard"]
    assert quotes[0]["attribution"]["rule"] and 0 < quotes[0]["attribution"]["confidence"] <= 1
    assert script["speakers"]["Anne Lemaire"].startswith("espeak:fr-be+f")


def test_script_from_an_uploaded_html_file_and_from_a_url(client: httpx.Client, tmp_path: Path) -> None:
    data = PAGE.read_bytes()
    r = client.post("/api/script?filename=page.html&locale=fr-FR", content=data,
                    headers={"Content-Type": "application/octet-stream"})  # fmt: skip
    assert r.status_code == 200, r.text
    uploaded = r.json()
    assert uploaded["segments"] and uploaded["locale"] == "fr-FR"
    (tmp_path / "page.html").write_bytes(data)
    with served(tmp_path) as base:
        r = client.post("/api/script", json={"url": f"{base}/page.html", "locale": "fr-FR"})
    assert r.status_code == 200, r.text
    assert [s["text"] for s in r.json()["segments"]] == [s["text"] for s in uploaded["segments"]]


def test_preview_speaks_one_segment_as_mp3_through_the_clip_cache(
    client: httpx.Client, studio: Running, script: dict[str, Any]
) -> None:
    quote = next(s for s in script["segments"] if s["kind"] == "quote")
    cached = set((studio.root / "cache").rglob("*"))
    r = client.post("/api/preview", json={"segment": quote, "locale": script["locale"]})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"
    assert 0.8 < seconds_of_mp3(r.content) < 10
    assert any(p.is_file() for p in set((studio.root / "cache").rglob("*")) - cached)  # the clip was stored
    edited = {**quote, "spoken": quote["spoken"] + " " + quote["spoken"]}  # said twice: longer
    longer = client.post("/api/preview", json={"segment": edited, "locale": script["locale"]})
    assert seconds_of_mp3(longer.content) > seconds_of_mp3(r.content) + 0.5


def test_an_edited_script_is_resolved(client: httpx.Client, script: dict[str, Any]) -> None:
    doc = json.loads(json.dumps(script))
    first = next(i for i, s in enumerate(doc["segments"]) if s["kind"] == "quote")
    doc["segments"][first]["speaker"] = "Paul Gérard"
    doc["segments"][1]["spoken"] = "Un budget de 42 millions."
    r = client.post("/api/script", json={"script": doc})
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["segments"][first]["voice"] == script["speakers"]["Paul Gérard"]
    assert back["segments"][1]["spoken"] == "Un budget de quarante-deux millions."


def test_render_job_then_download_the_mp3_and_sidecars(client: httpx.Client, studio: Running,
                                                       script: dict[str, Any]) -> None:  # fmt: skip
    r = client.post("/api/render", json={"script": script, "preset": "podcast", "outputs": "mp3,vtt,daisy"})
    assert r.status_code == 200, r.text
    state = studio.wait_for_job(client, r.json()["job"])
    assert state["state"] == "done" and state["progress"] == 1.0 and state["error"] is None, state
    files = state["files"]
    assert isinstance(files, dict) and set(files) == {"mp3", "vtt", "daisy"}
    mp3 = client.get(files["mp3"])
    assert mp3.status_code == 200 and "attachment" in mp3.headers["content-disposition"]
    assert seconds_of_mp3(mp3.content) > 10
    saved = studio.root / "downloaded.mp3"
    saved.write_bytes(mp3.content)
    assert ID3(saved).getall("TIT2")[0].text[0] == script["title"]
    assert "<v Anne Lemaire>" in client.get(files["vtt"]).text
    book = client.get(files["daisy"])
    assert book.headers["content-type"] == "application/zip" and book.content[:2] == b"PK"
    library = client.get("/api/library").json()
    assert [b["files"]["mp3"] for b in library["out"]["bulletins"]] == [files["mp3"]]
    assert client.get("/api/jobs/nope").status_code == 404


def test_the_library_lists_the_batch_folder_and_its_feed(client: httpx.Client, studio: Running) -> None:
    folder = studio.root / "batch"
    shutil.copy(ROOT / "tests" / "samples" / "reader_feed.xml", folder / "feed.xml")
    (folder / "2026-01-02-essai.mp3").write_bytes(b"\xff\xfb" + bytes(200))
    (folder / "2026-01-02-essai.vtt").write_text("WEBVTT\n", encoding="utf-8")
    (folder / ".bulletin-state.json").write_text("{}", encoding="utf-8")
    listing = client.get("/api/library").json()["folder"]
    assert listing["name"] == "batch"
    assert [b["name"] for b in listing["bulletins"]] == ["2026-01-02-essai.mp3"]
    assert listing["bulletins"][0]["files"]["vtt"] == "/files/folder/2026-01-02-essai.vtt"
    assert listing["feeds"] == ["/files/folder/feed.xml"]
    assert client.get("/files/folder/feed.xml").content == (folder / "feed.xml").read_bytes()


def test_a_pronunciation_goes_to_the_user_lexicon_and_into_the_script(client: httpx.Client, studio: Running,
                                                                     script: dict[str, Any]) -> None:  # fmt: skip
    r = client.post("/api/lexicon", json={"word": "Lemaire", "say": "Le Mèrre", "script": script})
    assert r.status_code == 200, r.text
    answer = r.json()
    path = studio.root / "config" / "bulletin" / "lexicon.toml"
    assert answer["saved"] == str(path)
    assert 'Lemaire = "Le Mèrre"' in path.read_text(encoding="utf-8").replace('"Lemaire"', "Lemaire")
    said = [s["spoken"] for s in answer["script"]["segments"] if "Lemaire" in s["text"]]
    assert said and all("Le Mèrre" in s and "Lemaire" not in s for s in said)
    assert client.post("/api/lexicon", json={"word": "Lemaire", "say": ""}).status_code == 400


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, payload, status, needle",
    [
        ("/api/script", {}, 400, "give the article"),
        ("/api/script", {"text": "Un texte.", "locale": "fr-XX"}, 400, "unknown locale 'fr-XX'"),
        ("/api/script", {"text": "Un texte.", "preset": "radio"}, 400, "unknown preset 'radio'"),
        ("/api/script", {"url": "file:///etc/passwd"}, 400, "http:// or https://"),
        ("/api/script", {"script": {"version": 9}}, 400, "unsupported version 9"),
        ("/api/preview", {"segment": "quote"}, 400, '"segment" must be'),
        (
            "/api/preview",
            {"segment": {"kind": "quote", "text": "", "spoken": "Oui.", "voice": "espeak:xx"}},
            400,
            "segments[0].voice",
        ),
        ("/api/render", {"script": {"version": 1}}, 400, "missing field"),
        ("/api/render", {"script": None}, 400, "must hold a JSON object"),
    ],
)
def test_bad_input_is_a_4xx_with_one_line(client: httpx.Client, path: str, payload: dict[str, Any], status: int,
                                          needle: str) -> None:  # fmt: skip
    r = client.post(path, json=payload)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert needle in error and "\n" not in error and "Traceback" not in error


def test_a_bad_edit_is_refused_before_any_render(client: httpx.Client, studio: Running, script: dict[str, Any]) -> None:
    doc = json.loads(json.dumps(script))
    doc["segments"][3]["kind"] = "narator"
    before = sorted(p.name for p in (studio.root / "out").glob("*")) if (studio.root / "out").exists() else []
    r = client.post("/api/render", json={"script": doc})
    assert r.status_code == 400 and r.json()["error"] == (
        "the script: segments[3].kind: unknown kind 'narator'; "
        "kinds are title, heading, narration, quote, cue, intro, outro"
    )
    after = sorted(p.name for p in (studio.root / "out").glob("*")) if (studio.root / "out").exists() else []
    assert before == after


def test_not_json_and_a_wrong_content_type(client: httpx.Client) -> None:
    r = client.post("/api/script", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "the request body is not valid JSON"
    r = client.post("/api/script", content=b"text=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    r = client.post(
        "/api/script?filename=a.pdf", content=b"%PDF-1.4", headers={"Content-Type": "application/octet-stream"}
    )
    assert r.status_code == 400 and ".txt, .md and .html" in r.json()["error"]


def test_uploads_are_limited_to_5_mb(client: httpx.Client) -> None:
    big = ("Un paragraphe de texte. " * 230_000).encode()  # 5.5 MB
    r = client.post("/api/script?filename=big.txt", content=big, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 413
    assert r.json()["error"] == "the file big.txt is larger than 5 MB; the studio takes up to 5 MB"
    r = client.post("/api/script", json={"text": big.decode()})
    assert r.status_code == 413 and "larger than 5 MB" in r.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the stream itself is counted
        for _ in range(6):
            yield b"x" * 1_048_576

    r = client.post(
        "/api/script?filename=a.txt", content=chunks(), headers={"Content-Type": "application/octet-stream"}
    )
    assert r.status_code == 413


# --- safety --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/files/out/%2E%2E/config/bulletin/lexicon.toml", "/files/out/..%2Fcache", "/files/out/%2Fetc%2Fpasswd",
     "/files/folder/.bulletin-state.json", "/files/out/escape/secret.txt", "/files/out/link.txt"],
)  # fmt: skip
def test_downloads_cannot_leave_the_studios_folders(client: httpx.Client, studio: Running, path: str) -> None:
    out = studio.root / "out"
    out.mkdir(exist_ok=True)
    (studio.root / "secret.txt").write_text("secret", encoding="utf-8")
    for name, target in (("escape", studio.root), ("link.txt", studio.root / "secret.txt")):
        if not (out / name).is_symlink():
            (out / name).symlink_to(target)
    r = client.get(path)
    assert r.status_code in (403, 404) and "secret" not in r.text, (path, r.status_code, r.text)
    assert client.get("/files/elsewhere/x.mp3").status_code == 404


def test_requests_from_another_site_or_host_are_refused(studio: Running) -> None:
    with studio.client() as c:
        r = c.get("/api/voices", headers={"Host": "evil.example"})
        assert r.status_code == 403 and "127.0.0.1" in r.json()["error"]
        r = c.post("/api/script", json={"text": "Un texte."}, headers={"Origin": "http://evil.example"})
        assert r.status_code == 403 and "another site" in r.json()["error"]


def test_the_token_is_needed_for_every_call(tmp_path: Path) -> None:
    token = "s3cret-token-for-tests"
    with running_studio(tmp_path, "--token", token) as studio:
        assert studio.url.endswith(f"/?token={token}")
        with studio.client() as anonymous:
            for method, path in (
                ("GET", "/"),
                ("GET", "/api/voices"),
                ("POST", "/api/script"),
                ("GET", "/api/library"),
            ):
                r = anonymous.request(method, path, json={"text": "Un texte."})
                assert r.status_code == 401 and "token" in r.json()["error"], path
            assert anonymous.get("/api/voices", headers={"Authorization": "Bearer wrong-token-123"}).status_code == 401
            assert anonymous.get("/static/studio.js").status_code == 200  # code, not data
            assert anonymous.get(f"/?token={token}").status_code == 200
        with studio.client(token) as c:
            assert c.get("/api/voices").status_code == 200
            assert c.post("/api/script", json={"text": "Un court texte pour essayer."}).status_code == 200


def test_a_non_loopback_host_is_refused_without_a_token(tmp_path: Path) -> None:
    r = subprocess.run(studio_command(tmp_path, "--host", "0.0.0.0"), capture_output=True, text=True,
                       env=studio_env(tmp_path), timeout=60)  # fmt: skip
    assert r.returncode == 2 and r.stdout == ""  # a usage error: the options do not go together
    assert r.stderr.count("\n") == 1 and "--host 0.0.0.0 can be reached from other machines: give --token" in r.stderr


def test_a_non_loopback_host_with_a_token_needs_it(tmp_path: Path) -> None:
    token = "another-long-token"
    with running_studio(tmp_path, "--host", "0.0.0.0", "--token", token) as studio:
        port = studio.base.rsplit(":", 1)[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=30) as c:
            assert c.get("/api/voices").status_code == 401
            r = c.get("/api/voices", headers={"Authorization": f"Bearer {token}", "Host": "bulletin.example:80"})
            assert r.status_code == 200  # off loopback, the token is the guard, whatever the name


def test_a_failed_render_is_one_line_in_the_job(tmp_path: Path) -> None:
    with running_studio(tmp_path, "--intro", str(tmp_path / "no-jingle.mp3")) as studio, studio.client() as c:
        doc = c.post("/api/script", json={"text": ARTICLE.read_text(encoding="utf-8")}).json()
        state = studio.wait_for_job(c, c.post("/api/render", json={"script": doc}).json()["job"])
        assert state["state"] == "failed" and state["files"] == {}
        assert state["error"] == f"no such intro file: {tmp_path / 'no-jingle.mp3'}"


def test_the_studio_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with running_studio(tmp_path) as studio:
        stop(studio.process)
        assert studio.process.returncode == 0


# --- the lexicon file, edited in place -----------------------------------------------------------


def test_add_pronunciation_keeps_the_users_own_lines(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_text('# mes prononciations\n[words]\nPeeters = "Pétèrs"  # belge\n"Bud Luckey" = {lang = "en"}\n\n'
                    '[patterns]\n\'\\bQc\\b\' = "Québec"\n', encoding="utf-8")  # fmt: skip
    add_pronunciation("Lemaire", "Le Mèrre", path)
    add_pronunciation("Peeters", "Pétersse", path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# mes prononciations\n") and text.count("Peeters") == 1
    lexicon = load_lexicon(path, user=False)
    assert lexicon.words["Peeters"] == "Pétersse" and lexicon.words["Lemaire"] == "Le Mèrre"
    assert "Bud Luckey" in lexicon.words and lexicon.apply("Qc") == "Québec"
    fresh = tmp_path / "new" / "lexicon.toml"
    add_pronunciation("ONU", "O N U", fresh)
    assert load_lexicon(fresh, user=False).words["ONU"] == "O N U"


def test_the_pages_files_are_package_data() -> None:
    """'pip install .' is all a user needs: every template and static file is in the wheel."""
    import fnmatch

    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    studio = ROOT / "bulletin" / "studio"
    shipped = [p.relative_to(ROOT / "bulletin").as_posix() for p in studio.glob("[st]*/*") if p.is_file()]
    assert {"studio/templates/index.html", "studio/static/studio.js", "studio/static/studio.css"} <= set(shipped)
    for name in shipped:
        assert any(fnmatch.fnmatch(name, g) for g in globs["bulletin"]), name


# --- issue 23, defect 1: a date is never a path --------------------------------------------------


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if "cache" not in p.relative_to(root).parts}


@pytest.mark.parametrize("date", ["../../escaped", "2026-03-12/../../x", "..", "2026/03", "lundi"])
def test_a_date_that_is_not_a_date_is_refused_and_nothing_is_written(
    client: httpx.Client, studio: Running, script: dict[str, Any], date: str
) -> None:
    before = files_under(studio.root.parent)
    r = client.post("/api/render", json={"script": {**script, "date": date}})
    assert r.status_code == 400 and "date" in r.json()["error"] and "YYYY-MM-DD" in r.json()["error"], r.text
    assert client.post("/api/script", json={"script": {**script, "date": date}}).status_code == 400
    time.sleep(0.2)  # a job, had one been started, would have begun writing
    assert files_under(studio.root.parent) == before


@pytest.mark.parametrize("job", ["nope", "..%2F..%2Fetc", "%00", "x" * 300])
def test_a_job_that_does_not_exist_is_a_404_never_a_500(client: httpx.Client, job: str) -> None:
    r = client.get(f"/api/jobs/{job}")
    assert r.status_code == 404 and r.json()["error"] in ("Not Found", "no such render (finished renders are "
                                                          "forgotten after an hour)")  # fmt: skip


# --- renders never overwrite each other ----------------------------------------------------------


def test_two_renders_of_the_same_title_give_two_files_and_replacing_removes_old_sidecars(
    client: httpx.Client, studio: Running, script: dict[str, Any]
) -> None:
    doc = {**script, "title": "Flash info", "date": "2026-04-01"}
    first = client.post("/api/render", json={"script": doc, "outputs": "mp3,vtt,chapters"}).json()
    second = client.post("/api/render", json={"script": doc, "outputs": "mp3,vtt"}).json()  # while the first runs
    assert first["name"] == "2026-04-01-flash-info.mp3" and second["name"] == "2026-04-01-flash-info-2.mp3"
    one, two = (studio.wait_for_job(client, j["job"]) for j in (first, second))
    assert one["state"] == two["state"] == "done"
    out = studio.root / "out"
    assert (out / first["name"]).read_bytes() != b"" and (out / second["name"]).exists()
    assert isinstance(one["files"], dict) and one["files"]["mp3"].endswith(first["name"])
    # Later, a third render of the same title: a new name again, unless the editor replaces.
    third = client.post("/api/render", json={"script": doc, "outputs": "mp3"}).json()
    assert third["name"] == "2026-04-01-flash-info-3.mp3"
    assert studio.wait_for_job(client, third["job"])["state"] == "done"
    replaced = client.post("/api/render", json={"script": doc, "outputs": "mp3,vtt", "replace": True}).json()
    assert replaced["name"] == first["name"]
    assert studio.wait_for_job(client, replaced["job"])["state"] == "done"
    assert (out / "2026-04-01-flash-info.vtt").exists()
    assert not (out / "2026-04-01-flash-info.chapters.json").exists()  # the old render's, not this one's
    assert (out / "2026-04-01-flash-info-2.vtt").exists()  # another render's sidecars are untouched


# --- bounds, and previews in the render queue ----------------------------------------------------


def test_a_preview_over_the_bound_is_refused_before_any_speech(
    client: httpx.Client, studio: Running, script: dict[str, Any]
) -> None:
    words = " ".join(f"Le point numéro {n} du conseil porte sur les routes et les écoles." for n in range(1, 60))
    segment = {"kind": "narration", "text": words, "spoken": words}
    cached = set((studio.root / "cache").rglob("*"))
    r = client.post("/api/preview", json={"segment": segment, "locale": "fr-BE"})
    assert r.status_code == 413, r.text
    assert r.json()["error"].startswith("this preview would last about ")
    assert "previews stop at 2 min 00 s of speech: split the segment, or render the bulletin" in r.json()["error"]
    assert set((studio.root / "cache").rglob("*")) == cached  # nothing was synthesised


def test_a_preview_waits_for_the_render_before_it(client: httpx.Client, studio: Running,
                                                  script: dict[str, Any]) -> None:  # fmt: skip
    doc = {**script, "title": "File d'attente"}
    job = client.post("/api/render", json={"script": doc, "outputs": "mp3"}).json()["job"]
    segment = {"kind": "narration", "text": "Une phrase nouvelle pour la file.", "spoken": "Une phrase nouvelle."}
    r = client.post("/api/preview", json={"segment": segment, "locale": "fr-BE"})
    assert r.status_code == 200
    assert client.get(f"/api/jobs/{job}").json()["state"] == "done"  # one queue: the render went first


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("bounded")
    try:
        with running_studio(root, "--max-segments", "5", "--preview-limit", "5") as running:
            yield running
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_an_article_with_more_segments_than_the_bound_is_refused(bounded: Running) -> None:
    with bounded.client() as c:
        text = ARTICLE.read_text(encoding="utf-8")
        r = c.post("/api/script", json={"text": text})
        assert r.status_code == 413
        assert r.json()["error"] == ("this article gives 11 segments; the studio shows up to 5: cut it into "
                                     "shorter articles, or make it with 'bulletin make'")  # fmt: skip
        raw = {"Content-Type": "application/octet-stream"}
        r = c.post("/api/script?filename=a.txt", content=text.encode(), headers=raw)
        assert r.status_code == 413
        many = ("Une phrase. " * 20_000).encode()  # refused on a rough count, before it is scripted
        r = c.post("/api/script?filename=b.txt", content=many, headers=raw)
        assert r.status_code == 413 and "gives about 20000 segments" in r.json()["error"]
        short = c.post("/api/script", json={"text": "Un titre\n\nUne phrase. « Oui », dit Marie Durand."})
        assert short.status_code == 200 and len(short.json()["segments"]) <= 5
        seg = {"kind": "narration", "text": "", "spoken": "Une phrase assez longue pour durer plus de cinq secondes "
               "quand on la lit à voix haute, sans se presser."}  # fmt: skip
        r = c.post("/api/preview", json={"segment": seg, "locale": "fr-FR"})
        assert r.status_code == 413 and "previews stop at 5 s of speech" in r.json()["error"]


# --- server fixes --------------------------------------------------------------------------------


def test_internal_addresses_are_refused_off_loopback(tmp_path: Path) -> None:
    token = "a-token-for-the-ssrf-test"
    with served(ROOT / "tests" / "samples") as site, \
            running_studio(tmp_path, "--host", "0.0.0.0", "--token", token) as studio:  # fmt: skip
        port = studio.base.rsplit(":", 1)[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as c:  # fmt: skip
            internal = ("http://localhost:9/", "http://10.1.2.3/a", "http://169.254.169.254/latest/meta-data/",
                        "http://[::1]:9/", "http://192.168.0.1/")  # fmt: skip
            for url in (f"{site}/reader_page.html", *internal):
                r = c.post("/api/script", json={"url": url})
                assert r.status_code == 400, (url, r.text)
                assert "an address of this machine or its network" in r.json()["error"], url


def test_the_same_url_is_fetched_by_a_studio_on_loopback(client: httpx.Client) -> None:
    with served(ROOT / "tests" / "samples") as site:
        assert client.post("/api/script", json={"url": f"{site}/reader_page.html"}).status_code == 200


def test_the_origin_check_compares_scheme_host_and_port_behind_a_proxy(studio: Running) -> None:
    port = studio.base.rsplit(":", 1)[1]
    body = {"text": "Un court texte pour essayer."}
    with studio.client() as c:
        assert c.post("/api/script", json=body, headers={"Origin": f"http://127.0.0.1:{port}"}).status_code == 200
        for origin in (f"http://127.0.0.1:{int(port) + 1}", "http://127.0.0.1", f"https://127.0.0.1:{port}",
                       f"http://evil.example:{port}", "null"):  # fmt: skip
            r = c.post("/api/script", json=body, headers={"Origin": origin})
            assert r.status_code == 403, origin
        # Behind an HTTPS proxy that passes the Host through: the page's origin is https://HOST.
        proxied = {"Origin": f"https://127.0.0.1:{port}", "X-Forwarded-Proto": "https"}
        assert c.post("/api/script", json=body, headers=proxied).status_code == 200
        assert c.post("/api/script", json=body, headers={**proxied, "X-Forwarded-Proto": "http"}).status_code == 403


def test_the_lexicon_checks_the_script_before_it_saves(client: httpx.Client, studio: Running,
                                                       script: dict[str, Any]) -> None:  # fmt: skip
    path = studio.root / "config" / "bulletin" / "lexicon.toml"
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    bad = {**script, "segments": [{**script["segments"][0], "kind": "narator"}]}
    r = client.post("/api/lexicon", json={"word": "Dinantais", "say": "Dinan-tè", "script": bad})
    assert r.status_code == 400 and "unknown kind 'narator'" in r.json()["error"]
    assert (path.read_text(encoding="utf-8") if path.exists() else "") == before


def test_a_folder_download_leaves_hidden_files_out(client: httpx.Client, studio: Running) -> None:
    book = studio.root / "out" / "2026-01-01-livre.daisy"
    (book / ".scratch").mkdir(parents=True, exist_ok=True)
    (book / "ncc.html").write_text("<html></html>", encoding="utf-8")
    (book / ".state.json").write_text("{}", encoding="utf-8")
    (book / ".scratch" / "clip.pcm").write_bytes(b"\0" * 10)
    r = client.get("/files/out/2026-01-01-livre.daisy")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    saved = studio.root / "book.zip"
    saved.write_bytes(r.content)
    with zipfile.ZipFile(saved) as archive:
        assert archive.namelist() == ["2026-01-01-livre.daisy/ncc.html"]


def test_finished_jobs_expire() -> None:
    now = [1000.0]
    jobs = Jobs(ttl=60, clock=lambda: now[0])
    try:
        done = jobs.submit(lambda progress: {})
        jobs.run(lambda: None).result(timeout=30)  # the queue is in order: the render has ended
        assert jobs.get(done) is not None and jobs.get(done).state == "done"  # type: ignore[union-attr]
        now[0] += 59
        assert jobs.get(done) is not None
        now[0] += 2
        assert jobs.get(done) is None
    finally:
        jobs.close()


# --- voices by ear, and the timeline -------------------------------------------------------------


def test_voices_carry_name_gender_and_pitch_and_each_has_a_sample(client: httpx.Client) -> None:
    voices = client.get("/api/voices").json()["voices"]["fr-FR"]
    assert all({"id", "name", "label", "gender", "pitch", "role"} <= set(v) for v in voices)
    assert any(isinstance(v["pitch"], float) and 60 < v["pitch"] < 400 for v in voices)
    female = next(v for v in voices if v["gender"] == "f")
    r = client.post("/api/sample", json={"voice": female["id"], "locale": "fr-FR"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"
    assert 2 < seconds_of_mp3(r.content) < 10
    r = client.post("/api/sample", json={"voice": "espeak:nope", "locale": "fr-FR"})
    assert r.status_code == 400 and "no voice 'espeak:nope'" in r.json()["error"]


def test_the_timeline_is_estimated_then_measured_and_matches_the_render(
    client: httpx.Client, studio: Running, script: dict[str, Any]
) -> None:
    new = "Une phrase jamais dite encore."
    doc = {**script, "title": "Minutage", "segments": [*script["segments"],
                                                       {"kind": "narration", "text": new, "spoken": new}]}  # fmt: skip
    before = client.post("/api/timeline", json={"script": doc}).json()
    assert before["measured"] is False and before["segments"][-1]["measured"] is False
    assert len(before["segments"]) == len(doc["segments"]) and before["total"] > 10
    job = client.post("/api/render", json={"script": doc, "outputs": "mp3"}).json()
    state = studio.wait_for_job(client, job["job"])
    after = client.post("/api/timeline", json={"script": doc}).json()
    assert after["measured"] is True
    assert isinstance(state["files"], dict)
    mp3 = client.get(state["files"]["mp3"]).content
    assert abs(seconds_of_mp3(mp3) - after["total"]) < 0.5, (seconds_of_mp3(mp3), after["total"])
    print(f"timeline {after['total']:.3f} s (estimated {before['total']:.3f} s), MP3 {seconds_of_mp3(mp3):.3f} s")
    starts = [s["start"] for s in after["segments"]]
    assert starts == sorted(starts) and starts[0] > 0


# --- issue 23, defect 8: the engine is decided per render ----------------------------------------


def reopen(server: GttsServer, port: int) -> None:
    """The local Google back on the port it had (a network that comes back)."""
    import threading

    server.httpd = _QuietServer(("127.0.0.1", port), server.httpd.RequestHandlerClass)
    server.httpd.daemon_threads = True
    server.thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    server.thread.start()


def engine_tag(client: httpx.Client, studio: Running, doc: dict[str, Any]) -> str:
    job = client.post("/api/render", json={"script": doc, "outputs": "mp3"}).json()["job"]
    state = studio.wait_for_job(client, job, timeout=240)
    assert state["state"] == "done", state
    assert isinstance(state["files"], dict)
    saved = studio.root / "engine-check.mp3"
    saved.write_bytes(client.get(state["files"]["mp3"]).content)
    return str(ID3(saved).getall("TXXX:engine")[0].text[0])


def test_a_google_hiccup_decides_one_render_not_the_studio(tmp_path: Path) -> None:
    text = "Un titre court\n\nLa ville ouvre une piscine. « Elle sera prête en juin », dit Marie Durand."
    with GttsServer(Behaviour(always=500)) as google:
        port = google.httpd.server_address[1]
        env = {"BULLETIN_GTTS_ENDPOINT": google.url}
        with running_studio(tmp_path, "--fallback", engine="auto", env=env) as studio, studio.client() as c:
            voices = c.get("/api/voices").json()
            assert voices["engine"] == "gtts" and voices["reason"] == "Google's speech service answered"
            doc = c.post("/api/script", json={"text": text}).json()
            assert doc["anchor"].startswith("gtts:")
            # Google answers 500: this render falls back to the offline voice, and says so.
            assert "by espeak (fallback)" in engine_tag(c, studio, doc)
            # Google is back: the next render is Google's alone (the fallback was that render's).
            google.behaviour.always = None
            assert engine_tag(c, studio, doc).startswith("gtts (")
            # The network drops: the check says so now, and again when it comes back.
            google.httpd.shutdown()
            google.httpd.server_close()
            down = c.get("/api/voices").json()
            assert down["engine"] == "espeak" and "did not answer" in down["reason"]
            reopen(google, port)
            up = c.get("/api/voices").json()
            assert up["engine"] == "gtts" and up["reason"] == "Google's speech service answered"


# --- Ctrl-C --------------------------------------------------------------------------------------


def long_article() -> str:
    places = ["Namur", "Liège", "Mons", "Arlon", "Wavre", "Huy", "Spa", "Ath", "Ciney", "Marche"]
    paragraphs = []
    for n in range(120):
        town = places[n % len(places)]
        paragraphs.append(
            f"À {town}, le dossier {n + 1} avance : la commune consacre {n + 3} mille euros aux trottoirs. "
            f"Les travaux de la rue {n + 7} commencent au printemps, et le chantier durera {n % 9 + 2} semaines."
        )
    return "Le long journal des communes\n\n" + "\n\n".join(paragraphs)


def test_ctrl_c_stops_the_running_render_and_says_what_it_dropped(tmp_path: Path) -> None:
    with running_studio(tmp_path) as studio, studio.client() as c:
        doc = c.post("/api/script", json={"text": long_article()}).json()
        running = c.post("/api/render", json={"script": doc, "outputs": "mp3,vtt"}).json()
        queued = c.post("/api/render", json={"script": doc, "outputs": "mp3"}).json()
        deadline = time.monotonic() + 60
        while c.get(f"/api/jobs/{running['job']}").json()["progress"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert c.get(f"/api/jobs/{running['job']}").json()["state"] == "running"
        os.kill(studio.process.pid, signal.SIGINT)
        sent = time.monotonic()
        studio.process.wait(timeout=60)
        took = time.monotonic() - sent
        assert studio.process.stderr is not None
        err = studio.process.stderr.read()
        assert f"bulletin studio: stopped the render of {running['name']} at clip " in err, err
        assert "nothing was written" in err
        assert f"bulletin studio: dropped the queued render of {queued['name']}" in err
        assert "Traceback" not in err
        out = studio.root / "out"
        assert not list(out.glob("*.mp3")) and not list(out.glob(".*"))  # no audio, no scratch
        print(f"stopped {took:.2f} s after SIGINT")


@pytest.mark.parametrize("option", [["--max-segments", "0"], ["--preview-limit", "0"]])
def test_a_bad_bound_is_a_bad_option(tmp_path: Path, option: list[str]) -> None:
    r = subprocess.run(studio_command(tmp_path, *option), capture_output=True, text=True,
                       env=studio_env(tmp_path), timeout=60)  # fmt: skip
    assert r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1 and option[0] in r.stderr
