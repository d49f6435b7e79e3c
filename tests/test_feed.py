"""The podcast feed of a batch folder (issues 13 and 16): addresses, dates, descriptions, the
recorded show settings, and no rewrite when nothing changed."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import feedparser
import pytest

from bulletin.outputs.feed import _url, build_feed

from .conftest import run_cli


def article(i: int, who: str) -> str:
    return (f"title: Conseil {i}\ndate: 2026-11-{20 + i}\n\nLe conseil communal de Dinant a voté le budget "
            f"numéro {i}. La séance a duré trois heures.\n\n« Ce budget est prudent », a déclaré {who}.\n")  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch folder made once (with a show and base URL recorded), copied for each test."""
    root = tmp_path_factory.mktemp("feedbatch")
    src = root / "in"
    src.mkdir()
    for i, who in enumerate(["Anne Lemaire", "Paul Girard"], 1):
        (src / f"a{i}.txt").write_text(article(i, who), encoding="utf-8")
    out = root / "out"
    r = run_cli("batch", str(src), "-o", str(out), "--engine", "espeak", "-q", "--show", "Radio Dinant",
                "--base-url", "https://radio.example/podcast")  # fmt: skip
    assert r.returncode == 0, r.stderr
    return out


def show_of(folder: Path) -> dict[str, Any]:
    db = sqlite3.connect(folder / ".bulletin-state.db")
    try:
        return dict(json.loads(db.execute("SELECT value FROM meta WHERE key = 'show'").fetchone()[0]))
    finally:
        db.close()


def set_show(folder: Path, show: dict[str, Any]) -> None:
    db = sqlite3.connect(folder / ".bulletin-state.db")
    try:
        with db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'show'", (json.dumps(show),))
    finally:
        db.close()


def entries(folder: Path) -> dict[str, Any]:
    db = sqlite3.connect(folder / ".bulletin-state.db")
    try:
        return {name: json.loads(entry) for name, entry in db.execute("SELECT name, entry FROM outputs")}
    finally:
        db.close()


def set_entry(folder: Path, name: str, entry: Any) -> None:
    db = sqlite3.connect(folder / ".bulletin-state.db")
    try:
        with db:
            db.execute("UPDATE outputs SET entry = ? WHERE name = ?", (json.dumps(entry), name))
    finally:
        db.close()


@pytest.fixture
def folder(made: Path, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    shutil.copytree(made, out)
    return out


def test_base_url_with_or_without_slash_keeps_its_path() -> None:
    """Issue 13 defect 4: 'https://x/pod' lost 'pod' in every enclosure URL."""
    assert _url("https://x/pod", "a b.mp3") == "https://x/pod/a%20b.mp3"
    assert _url("https://x/pod/", "a.mp3") == "https://x/pod/a.mp3"
    assert _url("https://x", "a.mp3") == "https://x/a.mp3"


def test_feed_reuses_what_the_batch_recorded(folder: Path) -> None:
    r = run_cli("feed", str(folder))
    assert r.returncode == 0, r.stderr
    parsed = feedparser.parse(str(folder / "feed.xml"))
    assert parsed.bozo == 0 and parsed.feed.title == "Radio Dinant"
    hrefs = [e.enclosures[0].href for e in parsed.entries]
    assert len(hrefs) == 2 and all(h.startswith("https://radio.example/podcast/2026-11-2") for h in hrefs)
    # Descriptions are the story's opening sentences, not the title again.
    first = next(e for e in parsed.entries if e.title == "Conseil 1")
    assert first.description.startswith("Le conseil communal de Dinant a voté le budget numéro 1.")


def test_feed_without_any_base_url_is_refused(folder: Path) -> None:
    set_show(folder, {**show_of(folder), "base_url": None})
    r = run_cli("feed", str(folder))
    assert r.returncode == 2 and "--base-url" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (folder / "feed.xml").exists()


def test_feed_of_a_folder_no_batch_made_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.mp3").write_bytes(b"not ours")
    r = run_cli("feed", str(tmp_path), "--base-url", "https://x/")
    assert r.returncode == 1 and "bulletin batch" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "feed.xml").exists()


def test_feed_is_rewritten_only_when_its_items_change(folder: Path) -> None:
    feed = folder / "feed.xml"
    assert run_cli("feed", str(folder)).returncode == 0
    before = (feed.read_bytes(), feed.stat().st_mtime_ns)
    r = run_cli("feed", str(folder))
    assert r.returncode == 0 and "unchanged" in r.stdout
    assert (feed.read_bytes(), feed.stat().st_mtime_ns) == before
    name, entry = next(iter(entries(folder).items()))
    set_entry(folder, name, {**entry, "title": "Conseil renommé"})
    assert "unchanged" not in run_cli("feed", str(folder)).stdout
    assert b"Conseil renomm" in feed.read_bytes()


def test_an_impossible_date_never_breaks_the_feed() -> None:
    """Issue 13 defect 4: a date like 2019-13-45 broke the whole batch feed."""
    items = [{"name": "a.mp3", "guid": "g1", "title": "A", "date": "2019-13-45", "bytes": 10, "duration_ms": 1000},
             {"name": "b.mp3", "guid": "g2", "title": "B", "date": "2019-02-30", "bytes": 10, "duration_ms": 1000}]
    parsed = feedparser.parse(build_feed(items, title="T", author="A", base_url="https://x/"))
    assert parsed.bozo == 0 and len(parsed.entries) == 2
    dates = {e.title: e.published_parsed for e in parsed.entries}
    assert (dates["A"].tm_year, dates["A"].tm_mon) == (2019, 1)  # the year survives
    assert (dates["B"].tm_year, dates["B"].tm_mon, dates["B"].tm_mday) == (2019, 2, 1)


def test_a_value_feedgen_refuses_is_a_one_line_output_error() -> None:
    from bulletin.errors import OutputError

    with pytest.raises(OutputError, match=r"cannot build the feed: .*link"):
        build_feed([], title="T", author="A", base_url="")


# --- the state in SQLite (issue 24) and its defects (issue 23, defects 3 and 5) ----------------


def old_feed_items(state: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """How release 2 turned its JSON state into feed items (bulletin/batch.py, feed_items)."""
    items = [{"name": name, **entry} for name, entry in state["outputs"].items() if (folder / name).exists()]
    return sorted(items, key=lambda e: (e.get("date") or "", e["name"]), reverse=True)


def test_a_json_state_is_migrated_and_the_feed_is_unchanged(made: Path, folder: Path) -> None:
    # The folder as release 2 left it: its state in JSON (the format _save_state wrote), no database.
    state = {"version": 1, "outputs": entries(folder), "show": show_of(folder)}
    for name in (".bulletin-state.db", ".bulletin-state.db.bak"):
        (folder / name).unlink(missing_ok=True)
    legacy = folder / ".bulletin-state.json"
    legacy.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    (folder / ".bulletin-jobs").mkdir()
    (folder / ".bulletin-jobs" / "2026-11-21-conseil-1.mp3.lock").write_text("")  # left by release 2
    before = build_feed(old_feed_items(state, folder), title="Radio Dinant", author="Radio Dinant",
                        base_url="https://radio.example/podcast")  # fmt: skip

    r = run_cli("feed", str(folder))
    assert r.returncode == 0 and not r.stderr, r.stderr
    assert (folder / "feed.xml").read_bytes() == before
    assert entries(folder) == state["outputs"] and show_of(folder) == state["show"]
    assert not legacy.exists() and json.loads((folder / ".bulletin-state.json.migrated").read_text("utf-8")) == state
    # A batch over the same articles finds every bulletin made, and removes the stale lock.
    src = made.parent / "in"  # the articles the folder was made from
    r = run_cli("batch", str(src), "-o", str(folder), "--engine", "espeak", "-q", "--show", "Radio Dinant")
    assert r.returncode == 0 and "0 made, 2 unchanged, 0 failed" in r.stdout, r.stdout + r.stderr
    assert not (folder / ".bulletin-jobs").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (".bulletin-state.json", b'{"version":1,"outputs":'),
        (".bulletin-state.db", b"SQLite format 3\x00" + b"\x07" * 500),
    ],
)
def test_a_damaged_state_is_a_one_line_error_and_nothing_is_published(
    folder: Path, name: str, content: bytes
) -> None:
    """Issue 23 defect 3: a cut-short state file counted as empty: a feed of 0 items, exit 0."""
    for old in (".bulletin-state.db", ".bulletin-state.db.bak"):
        (folder / old).unlink(missing_ok=True)
    (folder / name).write_bytes(content)
    mp3s = sorted(p.name for p in folder.glob("*.mp3"))
    r = run_cli("feed", str(folder))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert str(folder / name) in lines[0] and "cannot read the batch state" in lines[0]
    assert not (folder / "feed.xml").exists()
    src = folder.parent / "in"
    src.mkdir()
    (src / "a3.txt").write_text(article(3, "Marc Petit"), encoding="utf-8")
    r = run_cli("batch", str(src), "-o", str(folder), "--engine", "espeak", "-q", "--feed", str(folder / "feed.xml"))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 1 and str(folder / name) in lines[0], r.stderr
    assert sorted(p.name for p in folder.glob("*.mp3")) == mp3s and not (folder / "feed.xml").exists()
    assert (folder / name).read_bytes() == content  # kept as it was, for whoever repairs it


def test_a_malformed_state_entry_is_left_out_of_the_feed_with_a_warning(folder: Path) -> None:
    """Issue 23 defect 5: an entry without guid ended as 'internal error: KeyError', exit 2."""
    (first, entry), (second, _) = sorted(entries(folder).items())
    set_entry(folder, first, {k: v for k, v in entry.items() if k != "guid"})
    r = run_cli("feed", str(folder))
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"warning: left {first} out of the feed: its entry in {folder / '.bulletin-state.db'} is damaged "
        "(it has no guid)"
    ]
    hrefs = [e.enclosures[0].href for e in feedparser.parse(str(folder / "feed.xml")).entries]
    assert hrefs == [f"https://radio.example/podcast/{second}"]
    set_entry(folder, second, ["not", "an", "entry"])
    r = run_cli("feed", str(folder))
    assert r.returncode == 0 and "it is not a JSON object" in r.stderr and "Traceback" not in r.stderr


def test_the_feed_reads_the_state_while_a_batch_writes(folder: Path) -> None:
    """WAL: a reader sees the last committed state while a writer holds its transaction."""
    from bulletin.batch import feed_items

    writer = sqlite3.connect(folder / ".bulletin-state.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM outputs")  # not committed: readers still see both items
        assert len(feed_items(folder)) == 2
        writer.execute("ROLLBACK")
    finally:
        writer.close()
