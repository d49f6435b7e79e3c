"""Batch runs through the CLI on local files and a local HTTP server (never the internet)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from mutagen.id3 import ID3

from bulletin.errors import ConfigError
from bulletin.settings import resolve

from .conftest import SAMPLE, run_cli, served


def article(title: str, date: str, who: str, n: int) -> str:
    return (
        f"title: {title}\ndate: {date}\n\n"
        f"Le conseil communal s'est réuni pour la {n}e fois cette année. "
        f"Il a voté un budget de {n} millions d'euros.\n\n"
        f"« Ce budget protège les services publics », a déclaré {who}.\n"
    )


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, who in enumerate(["Anne Lemaire", "Paul Girard", "Sofia Haddad", "Marc Petit"], 1):
        (folder / f"a{i}.txt").write_text(article(f"Conseil numéro {i}", "2026-11-27", who, i), encoding="utf-8")
    (folder / "corrompu.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    return folder


def state_of(folder: Path) -> dict[str, tuple[float, str]]:
    return {
        p.name: (p.stat().st_mtime, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".bulletin.lock")
    }


def batch(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    r = run_cli("batch", "--engine", "espeak", "-q", *args, cwd=cwd, timeout=300)
    return r.returncode, r.stdout, r.stderr


def test_per_article_incremental_and_one_bad_input(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    feed = out / "feed.xml"
    code, stdout, stderr = batch(str(inputs), "-o", str(out), "--feed", str(feed), "--base-url", "https://ex.be/p/")
    assert code == 1
    assert "4 made, 0 unchanged, 1 failed" in stdout
    assert "corrompu.txt" in stderr and "binary" in stderr and "Traceback" not in stderr
    mp3s = sorted(out.glob("*.mp3"))
    assert len(mp3s) == 4 and all(p.name.startswith("2026-11-27-conseil-numero-") for p in mp3s)
    first_feed = feedparser.parse(str(feed))
    assert first_feed.bozo == 0 and len(first_feed.entries) == 4
    guids = {e.title: e.id for e in first_feed.entries}

    before = state_of(out)
    code, stdout, _ = batch(str(inputs), "-o", str(out), "--feed", str(feed), "--base-url", "https://ex.be/p/")
    assert code == 1 and "0 made, 4 unchanged, 1 failed" in stdout
    after = state_of(out)
    assert {k: v for k, v in after.items() if k != "feed.xml"} == {k: v for k, v in before.items() if k != "feed.xml"}

    (inputs / "a5.txt").write_text(article("Conseil numéro 5", "2026-11-28", "Inès Barbier", 5), encoding="utf-8")
    code, stdout, _ = batch(str(inputs), "-o", str(out), "--feed", str(feed), "--base-url", "https://ex.be/p/")
    assert "1 made, 4 unchanged, 1 failed" in stdout
    parsed = feedparser.parse(str(feed))
    assert len(parsed.entries) == 5
    assert all(guids[e.title] == e.id for e in parsed.entries if e.title in guids)
    entry = parsed.entries[0]
    assert entry.enclosures[0].href.startswith("https://ex.be/p/2026-11-28-")
    assert entry.enclosures[0].type == "audio/mpeg" and int(entry.enclosures[0].length) > 10_000
    assert entry.itunes_duration.count(":") == 2
    xml = etree.parse(str(feed))
    ns = {"podcast": "https://podcastindex.org/namespace/1.0"}
    assert len(xml.findall(".//item/podcast:transcript", ns)) == 5
    assert len(xml.findall(".//item/podcast:chapters", ns)) == 5


def test_daily_edition(inputs: Path, tmp_path: Path) -> None:
    (inputs / "corrompu.txt").unlink()
    out = tmp_path / "out"
    out.mkdir()
    code, _stdout, stderr = batch(str(inputs), "-o", str(out), "--edition", "daily", "--show", "Le Journal",
                                 "--outputs", "mp3,json,chapters")  # fmt: skip
    assert code == 0, stderr
    (mp3,) = out.glob("*.mp3")
    assert mp3.name == "2026-11-27-le-journal.mp3"
    manifest = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["segments"][0]["kind"] == "intro"
    assert "vingt-sept novembre deux mille vingt-six" in manifest["segments"][0]["spoken"]
    chapters = json.loads(mp3.with_suffix(".chapters.json").read_text(encoding="utf-8"))["chapters"]
    assert [c["title"] for c in chapters] == [f"Conseil numéro {i}" for i in range(1, 5)]
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts)
    voices = {s["speaker"]: s["voice"] for s in manifest["segments"] if s["kind"] == "quote"}
    assert len(voices) == 4 and "espeak:fr" not in voices.values()


def test_hostile_titles_give_safe_names_and_a_well_formed_feed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    titles = ["../../etc/passwd", "<script>alert(1)</script> & ]]>", "É" * 500, "🎉🎉 fête", "ctrl\x07\x1bchars"]
    for i, title in enumerate(titles):
        (folder / f"h{i}.txt").write_text(f"title: {title}\ndate: 2026-01-0{i + 1}\n\nUn texte court ici.", "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    code, _stdout, stderr = batch(str(folder), "-o", str(out), "--feed", str(out / "feed.xml"),
                                  "--base-url", "https://ex.be/")  # fmt: skip
    assert code == 0, stderr
    names = [p.name for p in out.glob("*.mp3")]
    assert len(names) == 5
    for name in names:
        assert "/" not in name and ".." not in name and len(name) < 100
        assert all(c.isalnum() or c in "-." for c in name)
    assert not (tmp_path / "etc").exists()
    xml = etree.parse(str(out / "feed.xml"))  # raises if not well-formed
    texts = [t.text for t in xml.iter("title")]
    assert "<script>alert(1)</script> & ]]>" in texts
    assert feedparser.parse(str(out / "feed.xml")).bozo == 0


def test_feed_command_and_config_precedence(inputs: Path, tmp_path: Path) -> None:
    (inputs / "corrompu.txt").unlink()
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "bulletin.toml").write_text('show = "Radio Fichier"\nauthor = "La rédaction"\n'
                                            'base_url = "https://fichier.be/"\n', encoding="utf-8")  # fmt: skip
    code, _, stderr = batch(str(inputs), "-o", str(out), cwd=tmp_path)
    assert code == 0, stderr
    r = run_cli("feed", str(out), "--show", "Radio Ligne de commande", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    parsed = feedparser.parse(str(out / "feed.xml"))
    assert parsed.feed.title == "Radio Ligne de commande"  # the command line wins
    assert parsed.feed.author_detail.name == "La rédaction"  # the file fills the rest
    assert parsed.entries[0].enclosures[0].href.startswith("https://fichier.be/")


def test_config_resolution_and_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "b.toml"
    cfg.write_text('locale = "fr-BE"\nshow = "Fichier"\ncover = "c.png"\n[voices]\n"Anne" = "espeak:fr+f1"\n')
    st = resolve({"show": "CLI", "locale": None, "speaker_voices": {"Paul": "espeak:fr+m3"}}, cfg)
    assert (st.show, st.locale, st.engine) == ("CLI", "fr-BE", "auto")
    assert st.cover == (tmp_path / "c.png").resolve()
    assert st.speaker_voices == {"Anne": "espeak:fr+f1", "Paul": "espeak:fr+m3"}
    cfg.write_text('colour = "bleu"\n')
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        resolve({}, cfg)
    with pytest.raises(ConfigError, match="no such settings file"):
        resolve({}, tmp_path / "none.toml")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text(
        "<html><head><title>Page</title><meta property='article:published_time' content='2026-03-02'></head>"
        "<body><nav>Accueil Sport Météo</nav><article><h1>Le tram arrive à Liège</h1>"
        "<p>Les premières rames circuleront dès lundi entre Sclessin et Coronmeuse.</p>"
        "<p>« Nous sommes prêts », a assuré la directrice du projet, Julie Masson.</p></article></body></html>",
        encoding="utf-8",
    )
    (site / "rss.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Flux</title>'
        "<item><guid>flux-1</guid><title>Neige sur les Fagnes</title><pubDate>Tue, 03 Mar 2026 07:00:00 GMT</pubDate>"
        "<description>&lt;p&gt;Dix centimètres de neige sont tombés cette nuit sur le plateau.&lt;/p&gt;</description>"
        "</item></channel></rss>",
        encoding="utf-8",
    )
    with served(site) as url:
        yield url


def test_urls_feed_and_page_from_local_server(web: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, stderr = batch(f"{web}/page.html", f"{web}/rss.xml", f"{web}/missing.html", "-o", str(out))
    assert code == 1 and "2 made" in stdout and "missing.html" in stderr
    names = sorted(p.name for p in out.glob("*.mp3"))
    assert names == ["2026-03-02-le-tram-arrive-a-liege.mp3", "2026-03-03-neige-sur-les-fagnes.mp3"]


def test_missing_output_folder_is_created_and_bad_options_are_one_line(tmp_path: Path) -> None:
    r = run_cli("batch", str(SAMPLE), "-o", str(tmp_path / "site" / "podcast"), "--engine", "espeak", "-q")
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "site" / "podcast").glob("*.mp3"))) == 1
    (tmp_path / "a-file").write_text("x")
    r = run_cli("batch", str(SAMPLE), "-o", str(tmp_path / "a-file" / "sub"), "--engine", "espeak")
    assert r.returncode == 1 and "cannot create" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run_cli("batch", str(SAMPLE), "-o", str(tmp_path), "--edition", "weekly")
    assert r.returncode == 2 and "unknown edition" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_daily_edition_titles_dates_transitions_and_summary(inputs: Path, tmp_path: Path) -> None:
    """Issue 16: written titles used the spoken date; an edition without --show spoke no date;
    the summary came in completion order. Issue 13: transitions are set per show."""
    (inputs / "corrompu.txt").unlink()
    (inputs / "a3.txt").write_text(article("Conseil numéro 3", "2026-11-26", "Sofia Haddad", 3), encoding="utf-8")
    (tmp_path / "bulletin.toml").write_text('transitions = ["Et maintenant, une autre histoire."]\n', "utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = batch(str(inputs), "-o", str(out), "--edition", "daily", "--outputs", "mp3,json,chapters",
                                 cwd=tmp_path)  # fmt: skip
    assert code == 0, stderr
    assert stderr.count("engine: espeak") == 1  # once per batch, however many bulletins
    made = [line.split("/")[-1] for line in stdout.splitlines() if line.startswith("made")]
    assert made == ["2026-11-26-le-journal.mp3", "2026-11-27-le-journal.mp3"]  # date order
    manifest = json.loads((out / "2026-11-27-le-journal.json").read_text(encoding="utf-8"))
    assert manifest["title"] == "Le journal, 27 novembre 2026"
    assert ID3(out / "2026-11-27-le-journal.mp3")["TIT2"].text[0] == "Le journal, 27 novembre 2026"
    spoken = [s["spoken"] for s in manifest["segments"]]
    assert "vingt-sept novembre deux mille vingt-six" in spoken[0]  # spoken in words, without --show too
    assert sum("Et maintenant, une autre histoire." in s for s in spoken) == 2  # between three stories
    single = json.loads((out / "2026-11-26-le-journal.json").read_text(encoding="utf-8"))
    assert "vingt-six novembre" in single["segments"][0]["spoken"]  # a one-story edition too


def test_file_names_are_cut_at_a_word_boundary() -> None:
    from bulletin.article import slugify

    name = slugify("Le conseil communal de Namur adopte un budget exceptionnellement ambitieux pour 2027")
    assert len(name) <= 60 and not name.endswith("-")
    assert name == "le-conseil-communal-de-namur-adopte-un-budget"
    assert slugify("x" * 80) == "x" * 60  # one word longer than the limit is cut where it must be


def test_one_rate_limit_for_google_across_the_worker_processes(tmp_path: Path) -> None:
    """Issue 13 defect 7: each worker process had its own rate limit, so N cores sent up to N times
    the limit. Counted at a local gTTS-protocol server: two workers, 4 requests per second."""
    import os
    import subprocess
    import sys

    from .gtts_server import GttsServer

    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        body = f"Le marché de Ciney ouvre {i} heures plus tôt. Les maraîchers sont contents, la pluie aussi."
        (src / f"b{i}.txt").write_text(f"title: Brève {i}\ndate: 2026-11-2{i}\n\n{body}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
    with GttsServer() as srv:
        env["BULLETIN_GTTS_ENDPOINT"] = srv.url
        r = subprocess.run([sys.executable, "-m", "bulletin", "batch", str(src), "-o", str(tmp_path / "out"),
                            "--engine", "gtts", "--requests-per-second", "4", "-w", "2", "--no-cache", "-q"],
                           capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
        times = sorted(srv.times)
    assert r.returncode == 0, r.stderr
    assert len(times) >= 12
    # No one-second window holds more than the limit (+1 for a request on each edge of the window).
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 5, busiest
    # Over the whole run, the pace is the limit's, not twice it.
    assert (len(times) - 1) / (times[-1] - times[0]) <= 4.4


def test_a_rerun_compares_sizes_and_times_and_hashes_nothing(inputs: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Issue 13 defect 8: every batch run re-hashed every file it had ever made."""
    from bulletin import batch as batch_module
    from bulletin.batch import plan as plan_module
    from bulletin.settings import Settings

    (inputs / "corrompu.txt").unlink()
    out = tmp_path / "out"
    code, _, stderr = batch(str(inputs), "-o", str(out))
    assert code == 0, stderr
    hashed: list[Path] = []
    real = plan_module.sha256_of
    monkeypatch.setattr(plan_module, "sha256_of", lambda p: hashed.append(p) or real(p))
    summary = batch_module.run_batch([str(inputs)], out, Settings(engine="espeak"))
    assert len(summary.unchanged) == 4 and not summary.made and hashed == []
    victim = next(out.glob("*.vtt"))
    victim.write_text(victim.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # touched: now it is hashed
    summary = batch_module.run_batch([str(inputs)], out, Settings(engine="espeak"))
    assert hashed and len(summary.made) == 1


def test_jobs_never_prune_the_clip_cache_the_coordinator_does_once_at_the_end(tmp_path: Path) -> None:
    """Issue 23 point 4: with --cache-max-size each worker pruned after its own article, removing
    clips another worker was about to mix. A job leaves the cache alone; the batch prunes at the end."""
    import os

    from bulletin import batch as batch_module
    from bulletin.batch.plan import plan
    from bulletin.cache import ClipCache
    from bulletin.settings import Settings
    from bulletin.sources import collect

    cache = tmp_path / "cache"
    old = cache / "ab" / ("ab" + "0" * 62 + ".clip")  # a clip of an earlier run, the least recently used
    old.parent.mkdir(parents=True)
    old.write_bytes(b"\0" * 4096)
    os.utime(old, (1_000_000_000, 1_000_000_000))
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(article("Conseil élargi", "2026-11-27", "Anne Lemaire", 5), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    settings = Settings(engine="espeak", cache_dir=cache, cache_max_size="1K")
    stories, _ = collect([str(src)])
    (job,) = plan(stories, settings, {}, "2026-11-27")
    entry = batch_module.run_job(job, str(out), settings, "espeak")
    assert entry["engine"] == "espeak" and old.exists()  # the job pruned nothing
    assert ClipCache(cache).stats().entries > 1
    (src / "b.txt").write_text(article("Conseil restreint", "2026-11-28", "Paul Girard", 6), encoding="utf-8")
    summary = batch_module.run_batch([str(src)], out, settings)
    assert summary.made and not summary.failed
    assert not old.exists() and ClipCache(cache).stats().bytes <= 1024  # pruned once, at the end


def test_the_batch_package_never_imports_the_cluster() -> None:
    """Issue 24: batch.py and cluster.py imported each other; the cluster now imports batch only."""
    import ast

    root = Path(__file__).resolve().parent.parent / "bulletin" / "batch"
    imported = set()
    for module in root.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                imported.add("." * node.level + (node.module or ""))
                imported.update(f"{'.' * node.level}{node.module or ''}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
    assert imported and not any(name.endswith("cluster") or ".cluster." in name for name in imported), imported


def test_a_runner_that_refuses_before_any_work_leaves_no_state(tmp_path: Path) -> None:
    """The cluster is a runner the caller passes in; one that stops the batch before any job (a
    worker that cannot reach the folder) leaves nothing behind, not even an empty state."""
    from collections.abc import Sequence
    from typing import Any

    from bulletin.batch import Job, run_batch
    from bulletin.settings import Settings

    class Refusing:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def run(self, todo: Sequence[Job], out_dir: Path, settings: Settings, engine: str, finished: Any) -> None:
            self.asked = [j.name for j in todo]
            raise ConfigError("worker w0 cannot reach the output folder")

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(article("Conseil", "2026-11-27", "Anne Lemaire", 1), encoding="utf-8")
    out = tmp_path / "out"
    runner = Refusing()
    with pytest.raises(ConfigError, match="cannot reach"):
        run_batch([str(src)], out, Settings(engine="espeak", cluster="tcp://127.0.0.1:1"), runner=runner)
    assert runner.asked == ["2026-11-27-conseil.mp3"]
    assert sorted(p.name for p in out.iterdir()) == []
    with pytest.raises(ConfigError, match="needs its runner"):  # never a quiet local run instead
        run_batch([str(src)], out, Settings(engine="espeak", cluster="tcp://127.0.0.1:1"))
