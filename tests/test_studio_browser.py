"""Issue 14: the studio in a real browser. Debian's Chromium, driven by Playwright (Playwright's
own browser download is not used, nor reachable here): paste an article, make its script,
change a speaker, play a segment, render, download the MP3 and check it decodes and carries
the edit. The page must also be usable with the keyboard and a screen reader: every control
has a label, progress is announced in a live region.

Issue 25, the studio as an editor's desk: typing across segments while saves are in flight
(with a realistic keystroke delay: a fast type() hides races), split, merge, delete and reorder
then render (captions and ID3 transcript follow), the timeline against the MP3, two renders of
one title, the preview bound, edits that survive a reload with undo and redo, saved and loaded
scripts, the "checked" mark, voice samples, and an axe-core audit (axe-core 4.14.1 vendored
under tests/data/axe-core, MPL-2.0: the tests never use the network).

Set BULLETIN_STUDIO_SCREENSHOT=docs/studio.png to keep the screenshot the test takes."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3

from bulletin.ffmpeg import decode_to_pcm
from bulletin.render import validate

from .conftest import ROOT
from .studio_server import Running, running_studio

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).exists()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: install it with 'apt-get install chromium'")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
ARTICLE = ROOT / "tests" / "samples" / "render_conseil.txt"
AXE = ROOT / "tests" / "data" / "axe-core" / "axe.min.js"
TYPING = 40  # ms between keystrokes: an editor's pace, not a robot's


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[Running]:
    with running_studio(tmp_path / "studio") as running:
        yield running


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' (Playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page = context.new_page()
            page.problems = []
            page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
            page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}"))
            yield page
            context.close()
        finally:
            browser.close()


def test_paste_change_a_speaker_play_render_and_download(studio: Running, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto(studio.url)
    expect(page.locator("#engine")).to_contain_text("espeak")

    # Paste an article and make its script.
    page.get_by_label("Paste the article").fill(ARTICLE.read_text(encoding="utf-8"))
    page.get_by_label("Locale").select_option("fr-BE")
    page.get_by_role("button", name="Make the script").click()
    rows = page.locator("#segments > li")
    expect(rows).to_have_count(11)
    expect(page.locator("#script-title")).to_have_text("Le conseil communal de Dinant vote le budget — 2026-03-12")
    expect(page.locator("#script-heading")).to_be_focused()  # focus moves to the result
    expect(rows.nth(2).locator(".rule")).to_have_text("incise · 0.95")

    # Change the speaker of the first quote (segment 3): typed, then Tab, as a keyboard user does.
    speaker = page.get_by_label("Speaker of segment 3")
    expect(speaker).to_have_value("Anne Lemaire")
    speaker.fill("Claire Dubois")
    speaker.press("Tab")
    expect(page.locator("#speakers")).to_contain_text("Claire Dubois")
    expect(page.locator("#speaker-2")).to_have_value("Claire Dubois")
    voice_of = page.locator("#voice-2").input_value()
    assert voice_of.startswith("espeak:fr-be+f") and voice_of != page.locator("#voice-4").input_value()

    # Play that segment: synthesised on demand, played in the page's player.
    with page.expect_response("**/api/preview") as preview:
        page.get_by_role("button", name="Play segment 3").click()
    assert preview.value.status == 200 and preview.value.headers["content-type"] == "audio/mpeg"
    page.wait_for_function("() => document.querySelector('#player').duration > 0.5")
    expect(page.locator("#player")).to_be_visible()

    # Render, with progress in the live region, then download the MP3.
    page.get_by_label("Captions (WebVTT)").check()
    page.get_by_role("button", name="Render the bulletin").click()
    status = page.locator("#render-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(re.compile(r"^Done: .*\.mp3 is ready to download\.$"), timeout=120_000)
    expect(page.get_by_role("button", name="Render the bulletin")).to_be_focused()  # not <body>
    assert page.locator("#progress").get_attribute("value") == "100"
    with page.expect_download() as download:
        page.locator("#downloads a[data-output=mp3]").click()
    mp3 = tmp_path / "downloaded.mp3"
    download.value.save_as(mp3)
    assert len(decode_to_pcm(mp3, 16000)) / 2 / 16000 > 10  # it decodes: a real bulletin
    voices = dict(p.split("=", 1) for p in ID3(mp3).getall("TXXX:voices")[0].text[0].split("; "))
    assert voices["Claire Dubois"] == voice_of and voices["Anne Lemaire"] != voice_of
    expect(page.locator("#library")).to_contain_text("Le conseil communal de Dinant vote le budget")

    shot = tmp_path / "studio.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("BULLETIN_STUDIO_SCREENSHOT"):
        shutil.copy(shot, os.environ["BULLETIN_STUDIO_SCREENSHOT"])
    assert page.problems == []


def test_every_control_has_a_label_and_the_keyboard_reaches_them(studio: Running, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(studio.url)
    expect(page.locator("#engine")).to_contain_text("espeak")
    # The skip link comes first, then the article form in reading order.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Paste the article")).to_be_focused()
    page.keyboard.type("Un court article. « Nous verrons bien », a déclaré Marie Dupont.")
    for _ in range(4):  # file, address, locale, preset
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Make the script")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#segments > li")).to_have_count(3)
    page.get_by_label("Paste the article").fill(ARTICLE.read_text(encoding="utf-8"))
    page.get_by_role("button", name="Make the script").click()
    expect(page.locator("#segments > li")).to_have_count(11)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
              .filter((e) => !e.closest('[hidden]'))
              .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
              .map((e) => e.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []
    assert page.problems == []
    # A failed action says why in an alert, not in a traceback.
    page.get_by_label("Paste the article").fill("")
    page.get_by_label("Or give a web page's address").fill("ftp://exemple.be/article")
    page.get_by_role("button", name="Make the script").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("ftp://exemple.be/article: give a web page's address (http:// or https://)")
    assert all("status of 400" in p for p in page.problems), page.problems  # the refused request, logged


# --- issue 25: the editor's desk -----------------------------------------------------------------


def make_script(page: Any, studio: Running) -> Any:
    from playwright.sync_api import expect

    page.goto(studio.url)
    expect(page.locator("#engine")).to_contain_text("espeak")
    page.get_by_label("Paste the article").fill(ARTICLE.read_text(encoding="utf-8"))
    page.get_by_role("button", name="Make the script").click()
    rows = page.locator("#segments > li")
    expect(rows).to_have_count(11)
    expect(page.locator("#save-state")).to_have_text("Script checked")
    return rows


def draft(page: Any) -> dict[str, Any]:
    """The page's script as it keeps it in the browser."""
    stored: dict[str, Any] = json.loads(page.evaluate("() => localStorage.getItem('bulletin-studio:draft:v1')"))
    return stored["doc"]  # type: ignore[no-any-return]


def settled(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#save-state")).to_have_text("Script checked", timeout=30_000)


def test_typing_across_segments_while_saves_are_in_flight(studio: Running, page: Any) -> None:
    from playwright.sync_api import expect

    make_script(page, studio)
    before = [s["spoken"] for s in draft(page)["segments"]]
    held: list[Any] = []
    page.route("**/api/script", lambda route: held.append(route))  # saves wait here until released
    first, second = page.locator("#spoken-1"), page.locator("#spoken-3")
    first.click()
    page.keyboard.press("End")
    page.keyboard.type(" et encore un mot", delay=TYPING)
    for _ in range(50):  # the pause in typing sends a save of segment 2's edit
        if held:
            break
        page.wait_for_timeout(100)
    second.click()
    page.keyboard.press("End")
    page.keyboard.type(" puis", delay=TYPING)
    held[0].continue_()  # its answer comes back while the editor types in segment 4
    page.unroute("**/api/script")
    page.keyboard.type(" une fin", delay=TYPING)
    page.keyboard.press("Tab")
    settled(page)
    assert held, "no save was sent while typing"
    expect(page.locator("#spoken-3")).not_to_be_focused()  # focus is not sent back to the box left
    after = [s["spoken"] for s in draft(page)["segments"]]
    assert after[1] == before[1] + " et encore un mot"
    assert after[3] == before[3] + " puis une fin"
    assert [a for i, a in enumerate(after) if i not in (1, 3)] == [b for i, b in enumerate(before) if i not in (1, 3)]
    assert first.input_value() == after[1] and second.input_value() == after[3]
    # The written words follow a spoken edit: captions and transcript say what is heard.
    assert draft(page)["segments"][3]["text"].endswith("puis une fin")
    assert page.problems == []


def test_split_merge_delete_reorder_then_render_captions_transcript_and_timeline(
    studio: Running, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    rows = make_script(page, studio)
    box = page.locator("#spoken-1")
    box.fill("Le conseil de Dinant adopte son budget.")
    box.press("End")
    page.keyboard.type(" Les écoles en profitent.", delay=TYPING)
    settled(page)
    # Split at the cursor, between the two sentences.
    box.evaluate("(b) => { const at = b.value.indexOf(' Les écoles'); b.focus(); b.setSelectionRange(at, at); }")
    page.get_by_role("button", name="Split segment 2 at the cursor").click()
    expect(rows).to_have_count(12)
    expect(page.locator("#spoken-2")).to_be_focused()
    expect(page.locator("#spoken-2")).to_have_value("Les écoles en profitent.")
    settled(page)
    validate(draft(page))
    # Delete "ajoute-t-elle." (segment 7 now), merge the last two, move the heading up.
    expect(page.locator("#spoken-6")).to_have_value(re.compile("^ajoute-t-elle"))
    page.get_by_role("button", name="Delete segment 7").click()
    expect(rows).to_have_count(11)
    page.get_by_role("button", name="Merge segment 10 with the next").click()
    expect(rows).to_have_count(10)
    heading = page.locator("#segments > li.kind-heading")
    expect(heading).to_have_attribute("data-index", "6")
    page.get_by_role("button", name="Move segment 7 up").click()
    expect(heading).to_have_attribute("data-index", "5")
    expect(page.get_by_role("button", name="Move segment 6 up")).to_be_focused()  # focus follows the segment
    # A pronunciation-only fix: heard, but the captions keep the article's words.
    page.get_by_label("Pronunciation only (segment 4's captions keep their words)").check()
    quote = page.locator("#spoken-3")
    quote.click()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("nivo", delay=TYPING)
    settled(page)
    doc = draft(page)
    validate(doc)
    assert [s["kind"] for s in doc["segments"]].count("heading") == 1 and len(doc["segments"]) == 10

    # The timeline: one mark per segment, a total, a target slot.
    expect(page.locator("#timeline li")).to_have_count(10)
    page.get_by_label("Target duration (minutes:seconds, optional)").fill("0:10")
    expect(page.locator("#timeline-total")).to_contain_text("too long")

    page.get_by_label("Captions (WebVTT)").check()
    page.get_by_role("button", name="Render the bulletin").click()
    status = page.locator("#render-status")
    expect(status).to_have_text(re.compile(r"^Done: .*\.mp3 is ready"), timeout=120_000)
    vtt = studio.client().get(page.locator("#downloads a[data-output=vtt]").get_attribute("href")).text
    assert "Le conseil de Dinant adopte son budget." in vtt and "Les écoles en profitent." in vtt
    assert "42 millions" not in vtt and "ajoute-t-elle" not in vtt
    assert "au même niveau" in vtt and "nivo" not in vtt  # pronunciation only
    with page.expect_download() as download:
        page.locator("#downloads a[data-output=mp3]").click()
    mp3 = tmp_path / "edited.mp3"
    download.value.save_as(mp3)
    transcript = str(ID3(mp3).getall("USLT")[0].text)
    assert "adopte son budget" in transcript and "Les écoles en profitent." in transcript
    assert "ajoute-t-elle" not in transcript and "42 millions" not in transcript
    assert transcript.index("L'opposition critique") < transcript.index("Les écoles passent en premier")
    # The timeline, measured from the clips once they exist, matches the MP3.
    total = page.locator("#timeline-total")
    expect(total).to_have_attribute("data-measured", "true", timeout=30_000)
    seconds = len(decode_to_pcm(mp3, 16000)) / 2 / 16000
    timed = float(total.get_attribute("data-seconds"))
    assert abs(timed - seconds) < 0.5, (timed, seconds)

    # Play from a segment on the timeline: the rendered bulletin, from that segment's start.
    page.locator("#timeline button.tick").nth(3).click()
    page.wait_for_function("() => document.querySelector('#player').currentTime > 0")
    start = float(page.evaluate("() => document.querySelector('#player').currentTime"))
    assert 2 < start < seconds and "/files/out/" in (page.locator("#player").get_attribute("src") or "")

    # The same title again: a second file, not the first one overwritten.
    first_name = status.inner_text().split()[1]
    page.get_by_role("button", name="Render the bulletin").click()
    expect(status).to_have_text(re.compile(r"^Done: .*-2\.mp3 is ready"), timeout=120_000)
    assert first_name != status.inner_text().split()[1]
    out = sorted(p.name for p in (studio.root / "out").glob("*.mp3"))
    assert len(out) == 2 and first_name in out
    assert page.problems == []


def test_a_selection_becomes_a_quote_and_the_script_stays_valid(studio: Running, page: Any) -> None:
    from playwright.sync_api import expect

    rows = make_script(page, studio)
    # Part of a sentence given to a speaker: select the words, split, make that part a quote.
    box = page.locator("#spoken-7")  # "Le chef de l'opposition, Paul Gérard, parle d'un budget « sans ambition »."
    box.evaluate("(b) => { const a = b.value.indexOf('parle'); b.focus(); b.setSelectionRange(a, b.value.length); }")
    page.get_by_role("button", name="Split segment 8 at the cursor").click()
    expect(rows).to_have_count(12)
    expect(page.get_by_label("Kind of segment 9")).to_be_focused()  # the part split out, ready to give away
    expect(page.locator("#spoken-8")).to_have_value(re.compile("^parle d'un budget"))
    settled(page)
    validate(draft(page))
    # Kind and speaker for selected segments at once.
    page.get_by_label("Select segment 9", exact=True).check()
    page.get_by_label("Select segment 2", exact=True).check()
    page.get_by_label("Kind for the selected segments").select_option("quote")
    page.get_by_label("Speaker for the selected segments").fill("Marie Durand")
    page.get_by_role("button", name="Apply to the selected segments").click()
    expect(page.get_by_label("Speaker of segment 9", exact=True)).to_have_value("Marie Durand")
    expect(page.get_by_label("Speaker of segment 2", exact=True)).to_have_value("Marie Durand")
    expect(page.locator("#speakers")).to_contain_text("Marie Durand")  # cast a voice by the server
    settled(page)
    doc = draft(page)
    validate(doc)
    assert [(s["kind"], s.get("speaker")) for s in doc["segments"][1:2] + doc["segments"][8:9]] == [
        ("quote", "Marie Durand"), ("quote", "Marie Durand")]  # fmt: skip
    assert doc["speakers"]["Marie Durand"].startswith("espeak:")
    assert page.problems == []


def test_a_preview_over_the_bound_says_so(studio: Running, page: Any) -> None:
    from playwright.sync_api import expect

    make_script(page, studio)
    long = " ".join(f"Le point {n} du conseil porte sur les routes, les écoles et les parcs." for n in range(40))
    page.locator("#spoken-1").fill(long)
    settled(page)
    page.get_by_role("button", name="Play segment 2").click()
    expect(page.get_by_role("alert")).to_contain_text("previews stop at 2 min 00 s of speech: split the segment")
    # A short one still plays.
    page.get_by_role("button", name="Play segment 3").click()
    page.wait_for_function("() => document.querySelector('#player').duration > 0.5")
    assert all("status of 413" in p for p in page.problems), page.problems


def test_edits_survive_a_reload_with_undo_redo_checked_marks_and_saved_scripts(
    studio: Running, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    rows = make_script(page, studio)
    last = rows.nth(10)
    expect(last.locator(".low")).to_be_visible()  # continuation, 0.70: check the speaker
    page.get_by_label("Segment 11: speaker checked").check()
    expect(last.locator(".low")).to_be_hidden()
    page.locator("#spoken-1").click()
    page.keyboard.press("End")
    page.keyboard.type(" Voilà.", delay=TYPING)
    settled(page)
    page.reload()
    expect(rows).to_have_count(11)
    expect(page.locator("#spoken-1")).to_have_value(re.compile(r"Voilà\.$"))
    expect(page.get_by_label("Segment 11: speaker checked")).to_be_checked()
    expect(last.locator(".low")).to_be_hidden()
    page.get_by_role("button", name="Undo").click()  # the typing
    expect(page.locator("#spoken-1")).not_to_have_value(re.compile("Voilà"))
    page.get_by_role("button", name="Undo").click()  # the check mark
    expect(last.locator(".low")).to_be_visible()
    page.get_by_role("button", name="Redo").click()
    expect(last.locator(".low")).to_be_hidden()
    settled(page)
    # Correcting a speaker clears the flag too.
    expect(rows.nth(4).locator(".low")).to_be_hidden()
    page.get_by_label("Speaker of segment 9").fill("")
    page.get_by_label("Speaker of segment 9").press("Tab")
    expect(rows.nth(8).locator(".low")).to_be_visible()  # no speaker: flagged
    page.get_by_label("Speaker of segment 9").fill("Paul Gérard")
    page.get_by_label("Speaker of segment 9").press("Tab")
    expect(rows.nth(8).locator(".low")).to_be_hidden()
    settled(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Save script").click()
    saved = tmp_path / "saved.json"
    download.value.save_as(saved)
    doc = json.loads(saved.read_text(encoding="utf-8"))
    validate(doc)
    assert doc["segments"][10]["attribution"]["rule"] == "checked: continuation"
    assert doc["segments"][8]["attribution"] == {"rule": "editor", "confidence": 1}
    doc["title"] = "Un titre chargé depuis un fichier"
    saved.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_label("Or load a saved script (JSON)").set_input_files(str(saved))
    expect(page.locator("#script-title")).to_contain_text("Le conseil communal")  # the editor said no
    assert asked and asked[0].startswith("Replace the script you edited?")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Or load a saved script (JSON)").set_input_files(str(saved))
    expect(page.locator("#script-title")).to_contain_text("Un titre chargé depuis un fichier")
    expect(page.get_by_label("Segment 11: speaker checked")).to_be_checked()
    expect(page.get_by_role("button", name="Undo")).to_be_disabled()  # a new script starts a new history

    # Voices by ear: each menu names gender and pitch, and ▶ plays the chosen voice.
    assert re.search(r"\((female|male), \d+ Hz", page.locator("#voice-2 option").first.inner_text())
    with page.expect_response("**/api/sample") as sample:
        page.get_by_role("button", name="Hear the voice of segment 3").click()
    assert sample.value.status == 200
    page.wait_for_function("() => document.querySelector('#player').duration > 1")
    assert page.problems == []


def test_axe_core_finds_no_violation(studio: Running, page: Any) -> None:
    make_script(page, studio)
    page.get_by_label("Captions (WebVTT)").check()
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.html)}))"
    )
    assert result == []
    html = page.locator("html")
    assert html.get_attribute("lang") == "en" and page.locator("#spoken-2").get_attribute("lang") == "fr"
    # The player comes before the segments it plays, not last in the tab order.
    assert page.evaluate("() => !!(document.querySelector('#player').compareDocumentPosition("
                         "document.querySelector('#segments')) & Node.DOCUMENT_POSITION_FOLLOWING)")  # fmt: skip
    # The skip link leads to something that can take the focus, visible.
    skip = page.locator("a.skip")
    skip.focus()
    from playwright.sync_api import expect

    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert page.problems == []
