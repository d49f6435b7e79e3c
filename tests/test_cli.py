"""The command line (issues 13 and 16): one settings object behind every command, help that
reads naturally, one-line errors, every written file printed, dependencies declared."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from bulletin.errors import ConfigError, OutputError
from bulletin.settings import Settings, declared, resolve

from .conftest import ROOT, SAMPLE, run_cli, served

COMMANDS = ("make", "script", "render", "studio", "batch", "feed", "say", "voices", "inspect", "cache")


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    out = {}
    for cmd in ("make", "script", "render", "studio", "batch", "feed", "say", "voices"):
        r = run_cli(cmd, "--help")
        assert r.returncode == 0, r.stderr
        out[cmd] = r.stdout
    return out


def test_every_setting_is_an_option_of_every_command_it_names(helps: dict[str, str]) -> None:
    """Issue 13 defect 6: batch lacked --rate, --lexicon, --fallback, --jobs…; each option is now
    declared once and appears wherever it applies."""
    for f in declared():
        for cmd in f.metadata["commands"] & set(helps):
            assert f.metadata["flags"][0] in helps[cmd], (f.name, cmd)
    for flag in ("--rate", "--lexicon", "--fallback", "--jobs", "--speaker-voice", "--pauses", "--music"):
        assert flag in helps["batch"] and flag in helps["make"], flag


def test_help_reads_naturally(helps: dict[str, str]) -> None:
    """Issue 16: help showed {article}, <list[str]>, <int range> and cut command summaries."""
    for cmd, text in helps.items():
        assert not re.search(r"<(str|int|float|path|text|bool|list\[str\])( range)?>", text), (cmd, text)
        assert "{" not in text.split("\n", 1)[0], cmd
    assert "Usage: bulletin make [OPTIONS] ARTICLE" in helps["make"]
    top = run_cli("--help").stdout
    commands = top.split("Commands:", 1)[1]
    assert "…" not in commands and "..." not in commands
    assert all(cmd in commands for cmd in COMMANDS)


def test_version() -> None:
    from bulletin import __version__

    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"bulletin {__version__}"


@pytest.mark.parametrize(
    "args, needle",
    [
        (("make", "--bogus"), "No such option: --bogus"),
        (("make",), "Missing argument 'ARTICLE'"),
        (("make", str(SAMPLE), "--rate", "5"), "rate 5.0 is out of range"),
        (("make", str(SAMPLE), "--rate", "vite"), "Invalid value for '--rate'"),
        (("make", str(SAMPLE), "--locale", "fr-XX"), "unknown locale 'fr-XX'"),
        (("make", str(SAMPLE), "--outputs", "mp3,wav"), "unknown output 'wav'"),
        (("batch", str(SAMPLE), "-o", "x", "--edition", "weekly"), "unknown edition"),
        (("cache", "prune"), "say how to prune"),
        (("cache", "prune", "--max-size", "lots"), "500M or 2G"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(args: tuple[str, ...], needle: str, tmp_path: Path) -> None:
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode in (1, 2), r
    assert r.stderr.count("\n") == 1 and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not list(tmp_path.iterdir())


def test_output_must_be_an_mp3_name(tmp_path: Path) -> None:
    """Issue 16: -o out.wav wrote MP3 data under a .wav name."""
    r = run_cli("make", str(SAMPLE), "-o", str(tmp_path / "out.wav"), "--engine", "espeak")
    assert r.returncode == 1 and "out.mp3" in r.stderr and r.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_make_prints_every_file_it_wrote_and_the_engine_once(tmp_path: Path) -> None:
    """Issue 16: --outputs all printed only the MP3 path."""
    out = tmp_path / "journal.v2.mp3"
    r = run_cli("make", str(SAMPLE), "-o", str(out), "--engine", "espeak", "--outputs", "all", "--no-cache")
    assert r.returncode == 0, r.stderr
    printed = [Path(line.split("  (")[0]) for line in r.stdout.splitlines()]
    written = sorted(p for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert sorted(printed) == written and len(written) == 7
    assert printed[0] == out and re.search(r"\(\d+ min \d\d\.\d s\)", r.stdout.splitlines()[0])
    assert {p.name for p in written} >= {"journal.v2.vtt", "journal.v2.daisy", "journal.v2.parts"}
    assert r.stderr.count("engine: ") == 1


def test_script_takes_the_options_that_change_the_script_and_shows_the_spoken_form() -> None:
    r = run_cli("script", str(SAMPLE), "--show", "Le Journal", "--preset", "accessible", "--spoken", "-l", "fr-BE")
    assert r.returncode == 0, r.stderr
    assert "intro" in r.stdout and "cue" in r.stdout  # the show's opening, the accessible quote cues
    flat = " ".join(re.sub(r"[│┃║\s]+", " ", r.stdout).split())
    assert "dix-huit mois" in flat and "18 mois" not in flat  # the spoken form, numbers in words
    plain = " ".join(re.sub(r"[│┃║\s]+", " ", run_cli("script", str(SAMPLE)).stdout).split())
    assert "18 mois" in plain


def test_every_file_setting_can_go_in_bulletin_toml(tmp_path: Path) -> None:
    values = {"locale": '"fr-BE"', "lexicon": '"lex.toml"', "announce_quotes": "true", "engine": '"espeak"',
              "fallback": "true", "jobs": "3", "requests_per_second": "5", "cache_dir": '"cache"',
              "use_cache": "false", "cache_max_size": '"1G"', "voices_dir": '"voices"', "preset": '"broadcast"',
              "rate": "0.9", "pause_scale": "1.2", "outputs": '"mp3,srt"', "intro": '"i.mp3"', "outro": '"o.mp3"',
              "music": '"m.mp3"', "cover": '"c.png"', "show": '"Le Journal"', "author": '"La rédaction"',
              "base_url": '"https://x/"', "transitions": '["Autre sujet.", "Et maintenant."]',
              "edition": '"daily"', "workers": "2", "cluster": '"local:2"',
              "anchor_voice": '"piper:fr_FR-tom-medium"', "fetch_delay": "2", "fetch_timeout": "10"}  # fmt: skip
    values["edge_endpoint"] = '"http://127.0.0.1:9/readaloud"'
    table = '[speaker_voices]\n"Anne Lemaire" = "espeak:fr+f3"\n'
    file_fields = {f.name for f in declared() if f.metadata["file"]}
    assert set(values) | {"speaker_voices"} == file_fields  # a new setting must be added here too
    cfg = tmp_path / "bulletin.toml"
    cfg.write_text("\n".join(f"{k} = {v}" for k, v in values.items()) + "\n" + table, encoding="utf-8")
    st = resolve({}, cwd=tmp_path)
    assert st.jobs == 3 and st.rate == 0.9 and st.use_cache is False and st.cover == tmp_path / "c.png"
    assert st.transitions == ["Autre sujet.", "Et maintenant."]
    assert st.anchor_voice == "piper:fr_FR-tom-medium" and st.engine_config().anchor_voice == st.anchor_voice
    assert st.speaker_voices == {"Anne Lemaire": "espeak:fr+f3"}
    assert resolve({"jobs": 5, "speaker_voices": {"Paul": "espeak:fr+m1"}}, cwd=tmp_path).jobs == 5
    cfg.write_text('jobs = "many"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="jobs must be a number"):
        resolve({}, cwd=tmp_path)
    cfg.write_text("title = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'title'"):  # per-article, not per-show
        resolve({}, cwd=tmp_path)


def test_settings_defaults_pass_their_own_check() -> None:
    assert Settings().check() == Settings()


def test_tag_write_failures_are_output_errors(tmp_path: Path) -> None:
    """Issue 13 defect 5: MutagenError is not an OSError and ended as an internal error."""
    from mutagen.id3 import ID3, TIT2

    from bulletin.outputs.id3 import save_tag

    tag = ID3()
    tag.add(TIT2(encoding=3, text="x"))
    with pytest.raises(OutputError, match="cannot write tags"):
        save_tag(tag, tmp_path)  # a folder, not a file: mutagen raises its own error


def _imports(root: Path) -> set[str]:
    found = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_every_third_party_import_is_declared() -> None:
    """Issue 13 defect 9: requests, rich and lxml were imported but not declared."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared_names = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower().replace("_", "-")
                      for d in project["dependencies"]}  # fmt: skip
    extras = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower().replace("_", "-")
              for deps in project["optional-dependencies"].values() for d in deps}  # fmt: skip
    dists = packages_distributions()
    stdlib = set(sys.stdlib_module_names)
    for module in _imports(ROOT / "bulletin") - stdlib - {"bulletin"}:
        names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        assert names & (declared_names | extras), f"{module} ({names}) is imported but not declared"


def test_the_private_apis_bulletin_relies_on_are_still_there() -> None:
    """gTTS, mutagen and Typer are bounded in pyproject because of these; a new release that
    drops one fails here, not in a user's bulletin."""
    from gtts import gTTS
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame
    from typer.core import TyperArgument

    requests = gTTS("Bonjour", lang="fr")._prepare_requests()
    assert len(requests) == 1 and "batchexecute" in requests[0].url
    assert callable(ID3._write) and callable(save_frame)
    assert hasattr(TyperArgument, "_usage_display_name") and hasattr(TyperArgument, "display_type_rich")


def test_make_reads_standard_input_and_script_reads_a_url(tmp_path: Path) -> None:
    """Issue 16: 'bulletin make https://…' failed with 'no such file: https:/…', and '-' was not read."""
    import subprocess

    out = tmp_path / "stdin.mp3"
    r = subprocess.run([sys.executable, "-m", "bulletin", "make", "-", "-o", str(out), "--engine", "espeak",
                        "--outputs", "mp3", "-q"], input=SAMPLE.read_bytes(), capture_output=True,
                       cwd=ROOT)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout.decode() and out.stat().st_size > 10_000
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text(
        "<html><head><meta property='article:published_time' content='2026-03-02'></head><body><article>"
        "<h1>Le tram arrive à Liège</h1><p>Les rames circuleront dès lundi.</p>"
        "<p>« Nous sommes prêts », a assuré la directrice du projet, Julie Masson.</p></article></body></html>",
        encoding="utf-8",
    )
    with served(site) as url:
        r2 = run_cli("script", f"{url}/page.html", "--format", "json")
        missing = run_cli("script", f"{url}/nowhere.html")
    assert r2.returncode == 0, r2.stderr
    script = __import__("json").loads(r2.stdout)
    assert script["title"] == "Le tram arrive à Liège" and script["date"] == "2026-03-02"
    assert [s["speaker"] for s in script["segments"] if s["kind"] == "quote"] == ["Julie Masson"]
    assert missing.returncode == 1 and "nowhere.html" in missing.stderr and "404" in missing.stderr
    assert missing.stderr.count("\n") == 1


def test_warnings_for_an_unmatched_speaker_voice_and_a_repaired_article(tmp_path: Path) -> None:
    """Issue 16: a --speaker-voice name that matched no speaker gave no warning; control
    characters and impossible dates are read, with a warning."""
    article = tmp_path / "a.txt"
    article.write_text("title: Essai\ndate: 2019-13-45\n\nUn texte\x1b court.\n", encoding="utf-8")
    r = run_cli("script", str(article), "--speaker-voice", "Personne Inconnue=espeak:fr+m3")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert any("Personne Inconnue" in line and line.startswith("warning:") for line in lines), r.stderr
    assert any("2019-13-45" in line for line in lines) and any("control character" in line for line in lines)


def test_progress_is_in_english_with_real_totals(tmp_path: Path) -> None:
    import os
    import subprocess

    env = dict(os.environ, BULLETIN_PROGRESS="1", COLUMNS="100")
    r = subprocess.run([sys.executable, "-m", "bulletin", "make", str(SAMPLE), "-o", str(tmp_path / "p.mp3"),
                        "--engine", "espeak", "--no-cache", "--outputs", "mp3"], capture_output=True, text=True,
                       cwd=ROOT, env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Speaking" in r.stderr and "Synthèse" not in r.stderr
    totals = re.findall(r"(\d+)/(\d+) clips", r.stderr)
    assert totals and all(int(total) > 0 for _, total in totals) and "None" not in r.stderr
