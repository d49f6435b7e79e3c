"""Issue 14: the studio in a real browser. Debian's Chromium, driven by Playwright (Playwright's
own browser download is not used, nor reachable here): paste an article, make its script,
change a speaker, play a segment, render, download the MP3 and check it decodes and carries
the edit. The page must also be usable with the keyboard and a screen reader: every control
has a label, progress is announced in a live region.

Set BULLETIN_STUDIO_SCREENSHOT=docs/studio.png to keep the screenshot the test takes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3

from bulletin.ffmpeg import decode_to_pcm

from .conftest import ROOT
from .studio_server import Running, running_studio

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).exists()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: install it with 'apt-get install chromium'")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
ARTICLE = ROOT / "tests" / "samples" / "render_conseil.txt"


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
    speaker = page.get_by_label("Speaker").first
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
    expect(status).to_have_text("Done: the bulletin is ready to download.", timeout=120_000)
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
