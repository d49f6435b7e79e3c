"""One runtime per process: engines kept, clips pinned while a render uses them, scratch files in
one private folder per process that a dead process's successor removes, ffmpeg dying with its
parent, and the command line's promises (exit codes, folders, safe names)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bulletin.cache import ClipCache, pinned_keys
from bulletin.engines.base import AudioChunk, Voice
from bulletin.engines.fake import FakeEngine
from bulletin.errors import EngineUnavailable
from bulletin.runtime import Runtime
from bulletin.scratch import PREFIX, Scratch, sweep
from bulletin.settings import Settings

from .conftest import ROOT, SAMPLE, hidden, run_cli
from .procs import alive, cmdline, descendants


def chunk(n: int = 800) -> AudioChunk:
    return AudioChunk(16000, 2, 1, b"\x01\x02" * n)


# --- pins ------------------------------------------------------------------------------------------


def test_a_pinned_clip_survives_any_prune_until_its_render_ends(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "c")
    cache.put("a" * 64, chunk())
    cache.put("b" * 64, chunk())
    with cache.pins() as pins:
        pins.add("a" * 64)
        assert cache.prune(max_bytes=0) == 1  # b goes, a is in use
        assert cache.get("a" * 64) is not None and cache.get("b" * 64) is None
    assert cache.prune(max_bytes=0) == 1  # the render is over: a may go now
    assert cache.stats().entries == 0


def test_a_miss_never_removes_the_entry_another_process_just_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two batch workers needing the same clip: one misses while the other stores it. The miss
    used to remove the 'damaged' path right after, deleting the fresh entry under the render that
    had just been handed it ('clip vanished from cache')."""
    import bulletin.cache

    cache = ClipCache(tmp_path / "c")
    key = "d" * 64
    real = bulletin.cache.read_clip

    def racing(path: Path) -> AudioChunk | None:
        found = real(path)  # the miss…
        bulletin.cache.write_clip(path, chunk())  # …while the other worker stores the clip
        return found

    monkeypatch.setattr(bulletin.cache, "read_clip", racing)
    assert cache.get(key) is None
    monkeypatch.undo()
    assert cache.get(key) is not None


def test_pins_of_another_process_hold_while_it_lives_and_go_with_it(tmp_path: Path) -> None:
    root = tmp_path / "c"
    cache = ClipCache(root)
    key = "c" * 64
    cache.put(key, chunk())
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from bulletin.cache import ClipCache\n"
         f"p = ClipCache(Path({str(root)!r})).pins(); p.add({key!r}); print('pinned', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "pinned"
        assert key in pinned_keys(root)
        assert cache.prune(max_bytes=0) == 0 and cache.get(key) is not None
    finally:
        holder.kill()
        holder.wait()
    assert key not in pinned_keys(root)  # its lock died with it; the stale pin file is removed
    assert not list((root / ".pins").iterdir())
    assert cache.prune(max_bytes=0) == 1


def test_a_render_pins_its_clips_and_releases_them(tmp_path: Path) -> None:
    runtime = Runtime(cache_dir=tmp_path / "c")
    settings = Settings(engine="espeak", cache_dir=tmp_path / "c")
    with runtime.stack(settings) as stack:
        voice = stack.engine.voices("fr-FR")[0]
        stack.engine.synthesize("Bonjour à tous.", voice)
        assert stack.pins is not None and len(stack.pins.keys) == 1
        assert pinned_keys(tmp_path / "c") == stack.pins.keys
        assert runtime.cache is not None and runtime.cache.prune(max_bytes=0) == 0
    assert pinned_keys(tmp_path / "c") == set()
    runtime.close()


# --- the runtime keeps engines, not decisions --------------------------------------------------------


def test_engines_are_built_once_per_process_and_wrappers_once_per_render(tmp_path: Path) -> None:
    settings = Settings(engine="espeak", cache_dir=tmp_path / "c", outputs="mp3")
    with Runtime.from_settings(settings) as runtime:
        runtime.make(SAMPLE, tmp_path / "a.mp3", settings)
        runtime.make(SAMPLE, tmp_path / "b.mp3", Settings(engine="espeak", cache_dir=tmp_path / "c", outputs="mp3",
                                                          rate=1.2))  # fmt: skip
        assert runtime.loads == {"espeak": 1}
        with runtime.stack(settings) as one, runtime.stack(settings) as two:
            assert one.engine is not two.engine  # a new Cached wrapper per render…
            assert one.engine.inner is two.engine.inner  # type: ignore[attr-defined]  # …around one engine
    assert (tmp_path / "a.mp3").stat().st_size > 10_000 and (tmp_path / "b.mp3").stat().st_size > 10_000


class Flaky(FakeEngine):
    """Fails its first clip only: an outage of a second."""

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        if not self.calls:
            self.calls.append((text, voice.id, rate))
            raise EngineUnavailable("the service hiccuped")
        return super().synthesize(text, voice, rate)


def test_a_fallback_decides_one_render_not_the_process(tmp_path: Path) -> None:
    flaky = Flaky(name="gtts")
    runtime = Runtime(use_cache=False)
    runtime.engine = lambda name, config: flaky if name == "gtts" else FakeEngine(name="espeak")  # type: ignore[method-assign]
    settings = Settings(engine="gtts", fallback=True, use_cache=False)
    with runtime.stack(settings) as first:
        voice = first.engine.voices("fr-FR")[0]
        assert first.engine.synthesize("Un.", voice).engine == "espeak"  # tripped: the offline voice
        assert first.engine.synthesize("Deux.", voice).engine == "espeak"  # and it stays so in this render
    with runtime.stack(settings) as second:
        assert second.engine.synthesize("Trois.", voice).engine == "gtts"  # the next render asks again


# --- scratch files -------------------------------------------------------------------------------


def test_scratch_folder_is_private_refcounted_and_gone_after_use(tmp_path: Path) -> None:
    scratch = Scratch()
    with scratch.use(tmp_path) as a, scratch.use(tmp_path) as b:
        assert a == b and a.parent == tmp_path and a.name.startswith(f"{PREFIX}{os.getpid()}-")
        (a / "x.pcm").write_bytes(b"1")
        assert sweep(tmp_path) == []  # alive: never swept
    assert hidden(tmp_path) == []


def test_kill_9_leaves_scratch_that_the_next_run_removes_and_ffmpeg_dies_too(tmp_path: Path) -> None:
    long = tmp_path / "long.txt"
    long.write_text((SAMPLE.read_text(encoding="utf-8") + "\n\n") * 12, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "bulletin", "make", str(long), "-o", str(out / "a.mp3"), "-q",
                             "--no-cache", "--engine", "espeak"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    ffmpegs: set[int] = set()
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not ffmpegs:
        ffmpegs = {p for p in descendants(proc.pid) if b"ffmpeg" in cmdline(p)}
        time.sleep(0.02)
    assert ffmpegs, "the run ended before any ffmpeg started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 5
    while alive(ffmpegs) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive(ffmpegs), "ffmpeg outlived the run that started it"
    left = hidden(out)
    assert left and all(n.startswith(PREFIX) for n in left), left  # only inside the scratch folder
    r = run_cli("make", str(SAMPLE), "-o", str(out / "b.mp3"), "-q", "--engine", "espeak", "--no-cache")
    assert r.returncode == 0, r.stderr
    assert hidden(out) == [] and sorted(p.name for p in out.iterdir()) == ["b.chapters.json", "b.mp3", "b.vtt"]


def test_sigterm_leaves_nothing_hidden(tmp_path: Path) -> None:
    long = tmp_path / "long.txt"
    long.write_text((SAMPLE.read_text(encoding="utf-8") + "\n\n") * 8, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "bulletin", "make", str(long), "-o", str(tmp_path / "a.mp3"), "-q",
                             "--no-cache", "--engine", "espeak"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not hidden(tmp_path):
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"Traceback" not in err, err
    assert hidden(tmp_path) == [] and not (tmp_path / "a.mp3").exists()


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [["--locale", "fr-XX"], ["--preset", "nosuch"], ["--rate", "5"], ["--outputs", "pdf"], ["--engine", "nosuch"],
     ["--cache-max-size", "lots"]],
)
def test_every_bad_option_value_exits_2(tmp_path: Path, option: list[str]) -> None:
    r = run_cli("make", str(SAMPLE), "-o", str(tmp_path / "a.mp3"), *option)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and option[1] in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [["say", "Bonjour", "--locale", "fr-XX"], ["cache", "prune"], ["studio", "--token", "short"],
     ["batch", "{src}", "-o", "{out}", "--rate", "9"], ["render", "{src}/a.json", "--preset", "nosuch"],
     ["voices", "--engine", "nosuch"]],
    ids=["say", "cache-prune", "studio", "batch", "render", "voices"],
)
def test_a_bad_option_value_exits_2_in_every_command(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "src").mkdir()
    filled = [a.format(src=tmp_path / "src", out=tmp_path / "out") for a in args]
    r = run_cli(*filled, "--cache-dir", str(tmp_path / "c")) if args[0] == "cache" else run_cli(*filled)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("bulletin: error:")
    assert not (tmp_path / "out").exists()


def test_bad_input_still_exits_1(tmp_path: Path) -> None:
    r = run_cli("make", str(tmp_path / "absent.txt"), "-o", str(tmp_path / "a.mp3"))
    assert r.returncode == 1 and "no such file" in r.stderr


def test_make_creates_the_folder_it_is_told_to_write_in(tmp_path: Path) -> None:
    r = run_cli("make", str(SAMPLE), "-o", str(tmp_path / "new" / "deeper" / "a.mp3"), "-q", "--engine", "espeak")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "new" / "deeper" / "a.mp3").stat().st_size > 10_000


def test_a_script_date_never_names_a_path(tmp_path: Path) -> None:
    r = run_cli("script", str(SAMPLE), "--format", "json")
    doc = json.loads(r.stdout)
    work = tmp_path / "studio" / "out"
    work.mkdir(parents=True)
    for bad in ("../../escaped", "2026-01-01/../../x", "/tmp/x", "2026-1-1"):
        doc["date"] = bad
        (tmp_path / "s.json").write_text(json.dumps(doc), encoding="utf-8")
        r = run_cli("render", str(tmp_path / "s.json"), "-q", cwd=work)
        assert r.returncode == 1 and "is not a date" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    found = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert found == ["s.json", "studio", "studio/out"]
    schema = json.loads(run_cli("script", "--schema").stdout)
    assert schema["properties"]["date"]["pattern"] == r"^\d{4}(-\d{2}(-\d{2})?)?$"


# --- one runtime per batch worker ----------------------------------------------------------------

TOWNS = ["Namur", "Liège", "Mons", "Arlon", "Wavre", "Hasselt", "Gand", "Bruges"]


def test_a_batch_worker_loads_each_piper_model_once(tmp_path: Path) -> None:
    """Every ONNX session the batch creates is logged (a sitecustomize hook in each process): with
    two workers and two models, at most four loads for eight articles, not one per article."""
    pytest.importorskip("onnxruntime")
    from scripts.count_model_loads import HOOK

    from .tiny_piper import write_voice

    voices = tmp_path / "voices"
    write_voice(voices, "fr_FR-siwis-medium", tones=[215.0])
    write_voice(voices, "fr_FR-tom-medium", tones=[115.0])
    src = tmp_path / "in"
    src.mkdir()
    for i, town in enumerate(TOWNS):
        (src / f"{i}.txt").write_text(
            f"title: Le marché de {town}\ndate: 2026-11-0{i + 1}\n\nLe marché de {town} rouvre samedi. "
            f"« Nous attendions ce jour », confie Marie Dubois. « Les clients reviennent », ajoute Paul Martin.\n",
            encoding="utf-8",
        )
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")  # the benchmark's own counter
    log = tmp_path / "loads.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]), "BULLETIN_LOAD_LOG": str(log)}
    env.pop("BULLETIN_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "bulletin", "batch", str(src), "-o", str(tmp_path / "out"), "-q",
                        "--engine", "piper", "--voices-dir", str(voices), "-w", "2", "--no-cache"],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "out").glob("*.mp3"))) == len(TOWNS)
    loads = log.read_text().split()
    per_process = {pid: loads.count(pid) for pid in set(loads)}
    # The coordinator may load models to list the voices; each worker loads each model once.
    assert all(n <= 2 for n in per_process.values()), per_process
    assert len(loads) <= 3 * 2, per_process


# --- a signal while the command is still loading -----------------------------------------------

EARLY = random.Random(int(os.environ.get("BULLETIN_FAULT_SEED") or random.SystemRandom().randrange(1 << 32)))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_command_loads_is_one_line_and_130(tmp_path: Path, sig: signal.Signals) -> None:
    """Before, an interrupt that landed inside an import was a traceback, or was swallowed by
    Python ("Exception ignored") and the run went on to exit 0."""
    moment = EARLY.uniform(0.02, 0.5)
    proc = subprocess.Popen([sys.executable, "-m", "bulletin", "make", str(SAMPLE), "-o", str(tmp_path / "a.mp3"),
                             "-q", "--no-cache", "--engine", "espeak"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    time.sleep(moment)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    why = f"{sig.name} after {moment:.2f} s: {err!r}"
    assert proc.returncode == 130 and b"Traceback" not in err and b"Exception ignored" not in err, why
    assert err.decode().strip().splitlines() == ["bulletin: interrupted; nothing more was written"], why
    assert not (tmp_path / "a.mp3").exists() and hidden(tmp_path) == []
