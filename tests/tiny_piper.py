"""Tiny Piper-format voices for the tests and scripts, built with the onnx package.

The tiny model has a Piper voice's inputs and output (``input``, ``input_lengths``, ``scales``,
``sid`` → ``output``). It answers each phoneme id with a block of ``256 × length_scale`` samples
of a 250 Hz tone whose peak is ``(id + 256 × sid) / 2048``, so the ids and speaker it was fed can
be read back from the audio, and its length says which length scale it was given. The output is
silent if ``input_lengths`` does not match the ids. With ``tones`` it speaks a harmonic source at
a pitch the caller sets instead.

Kept apart from the test modules so that scripts and worker processes can build voices without
importing the test configuration (which makes private temporary folders for a pytest run).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import onnx

SAMPLE_RATE = 16000  # not Piper's usual 22050: the engine must take it from the config
BLOCK = 256

# The test's own phoneme table, in the shape of a Piper config: pad, start, end, space,
# punctuation, letters, then the IPA symbols espeak-ng uses (and the combining tilde of nasals).
_SYMBOLS = (
    "_^$ !'(),-.:;?"
    + "abcdefghijklmnopqrstuvwxyz"
    + "ɑɐɒæɓʙβɔɕçɗɖðʤəɘɚɛɜɝɞɟʄɡɠɢʛɦɧħɥʜɨɪʝɭɬɫɮʟɱɯɰŋɳɲɴøɵɸθœɶʘɹɺɾɻʀʁɽʂʃʈʧʉʊʋⱱʌɣɤʍχʎʏʑʐʒʔʡʕʢ"
    + "ˈˌːˑʰʲʷ\u0303\u0329"
)
PHONEME_ID_MAP = {s: [i] for i, s in enumerate(_SYMBOLS)}
assert len(PHONEME_ID_MAP) == len(_SYMBOLS) and len(_SYMBOLS) < 256


def build_model(path: Path, multi_speaker: bool = False, tones: list[float] | None = None, pad_kb: int = 0) -> None:
    """Write the tiny model (see the module docstring) with the onnx package. With ``tones``
    (Hz, one per speaker), it speaks instead a steady harmonic source (fundamental, second and
    third harmonics) at that speaker's F0, whatever the ids: a voice whose pitch the test sets.
    ``pad_kb``: unused weights that make the file that much bigger (for transfers cut halfway)."""
    from onnx import TensorProto, helper, numpy_helper

    def const(name: str, value: Any, dtype: Any) -> Any:
        return numpy_helper.from_array(np.array(value, dtype=dtype), name)

    inits = [const("one_idx", 1, np.int64), const("zero_idx", 0, np.int64), const("block", float(BLOCK), np.float32),
             const("zero_f", 0.0, np.float32), const("one_f", 1.0, np.float32), const("one_i", 1, np.int64),
             const("flat", [-1], np.int64), const("omega", 2 * math.pi / 64, np.float32),
             const("scale", 2048.0, np.float32), const("out_shape", [1, 1, -1], np.int64)]  # fmt: skip
    n = helper.make_node
    nodes = [
        n("Shape", ["input"], ["shape"]),
        n("Gather", ["shape", "one_idx"], ["n"]),  # N, the number of ids
        n("Cast", ["n"], ["nf"], to=TensorProto.FLOAT),
        n("Gather", ["scales", "one_idx"], ["ls"]),  # length_scale
        n("Mul", ["ls", "block"], ["blk"]),
        n("Mul", ["nf", "blk"], ["t0"]),
        n("Floor", ["t0"], ["t"]),  # samples: floor(N × 256 × length_scale)
        n("Range", ["zero_f", "t", "one_f"], ["r"]),
        n("Div", ["r", "blk"], ["q0"]),
        n("Floor", ["q0"], ["q1"]),
        n("Cast", ["q1"], ["q"], to=TensorProto.INT64),
        n("Sub", ["n", "one_i"], ["last"]),
        n("Min", ["q", "last"], ["idx"]),  # which id each sample belongs to
        n("Reshape", ["input", "flat"], ["ids"]),
        n("Gather", ["ids", "idx"], ["at"]),
        n("Gather", ["input_lengths", "zero_idx"], ["len0"]),
        n("Equal", ["len0", "n"], ["ok_b"]),
        n("Cast", ["ok_b"], ["ok"], to=TensorProto.FLOAT),
    ]
    if pad_kb:
        inits.append(const("unused_weights", np.zeros(pad_kb * 256), np.float32))
    if tones:
        inits += [const("freqs", [2 * math.pi * f / SAMPLE_RATE for f in tones], np.float32),
                  const("level", 0.3, np.float32), const("two", 2.0, np.float32), const("three", 3.0, np.float32),
                  const("half", 0.5, np.float32), const("quarter", 0.25, np.float32)]  # fmt: skip
        nodes += [n("Gather", ["freqs", "sid" if multi_speaker else "zero_idx"], ["w"])]
        nodes += [
            n("Mul", ["r", "w"], ["ph1"]), n("Sin", ["ph1"], ["h1"]),
            n("Mul", ["ph1", "two"], ["ph2"]), n("Sin", ["ph2"], ["s2"]), n("Mul", ["s2", "half"], ["h2"]),
            n("Mul", ["ph1", "three"], ["ph3"]), n("Sin", ["ph3"], ["s3"]), n("Mul", ["s3", "quarter"], ["h3"]),
            n("Add", ["h1", "h2"], ["h12"]), n("Add", ["h12", "h3"], ["src"]),
            n("Mul", ["src", "level"], ["src_l"]), n("Mul", ["src_l", "ok"], ["wave"]),
            n("Reshape", ["wave", "out_shape"], ["output"]),
        ]  # fmt: skip
    elif multi_speaker:
        inits.append(const("spk", 256, np.int64))
        nodes += [n("Mul", ["sid", "spk"], ["sidx"]), n("Add", ["at", "sidx"], ["code"])]
    else:
        nodes.append(n("Identity", ["at"], ["code"]))
    nodes += [] if tones else [
        n("Cast", ["code"], ["codef"], to=TensorProto.FLOAT),
        n("Div", ["codef", "scale"], ["amp0"]),
        n("Mul", ["amp0", "ok"], ["amp"]),
        n("Mul", ["r", "omega"], ["phase"]),
        n("Sin", ["phase"], ["carrier"]),
        n("Mul", ["amp", "carrier"], ["wave"]),
        n("Reshape", ["wave", "out_shape"], ["output"]),
    ]
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if multi_speaker:
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "time"])]
    graph = helper.make_graph(nodes, "tiny_piper", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def write_voice(
    folder: Path,
    name: str = "fr_FR-tiny-medium",
    *,
    speakers: dict[str, int] | None = None,
    card: str | None = None,
    length_scale: float = 1.0,
    language: str | None = "fr_FR",
    quality: str = "medium",
    tones: list[float] | None = None,
    pad_kb: int = 0,
) -> Path:
    """A tiny voice in ``folder``: ``NAME.onnx``, ``NAME.onnx.json`` and, if given, its card;
    ``tones``: each speaker's F0 (see :func:`build_model`)."""
    folder.mkdir(parents=True, exist_ok=True)
    build_model(folder / f"{name}.onnx", multi_speaker=bool(speakers), tones=tones, pad_kb=pad_kb)
    config: dict[str, Any] = {
        "audio": {"sample_rate": SAMPLE_RATE, "quality": quality},
        "espeak": {"voice": "fr"},
        "inference": {"noise_scale": 0.667, "length_scale": length_scale, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": PHONEME_ID_MAP,
        "num_symbols": len(PHONEME_ID_MAP),
        "num_speakers": len(speakers) if speakers else 1,
        "speaker_id_map": speakers or {},
        "piper_version": "1.0.0",
    }
    if language:
        config["language"] = {"code": language, "family": language.split("_")[0]}
    (folder / f"{name}.onnx.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    if card is not None:
        (folder / f"{name}.MODEL_CARD").write_text(card, encoding="utf-8")
    return folder / f"{name}.onnx"


def threads_in_worker(folder: str, workers: int) -> tuple[int, int]:
    """In a worker process: the intra-op threads a Piper engine chose, and those its session has."""
    from bulletin.engines.base import EngineConfig
    from bulletin.engines.piper import PiperEngine

    engine = PiperEngine(EngineConfig(voices_dir=Path(folder), workers=workers))
    (inst,) = engine.installed()
    threads: int = engine._session(inst).get_session_options().intra_op_num_threads
    return engine.threads, threads
