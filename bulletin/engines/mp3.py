"""MP3 from an online engine, decoded in the process: no ffmpeg per clip.

Google and Microsoft send each clip as MP3. Decoding each through its own ffmpeg process cost a
process start per clip (about 38 per article). miniaudio (MIT; its dr_mp3 decoder, wheels for
every platform CPython runs on) decodes the same bytes in the process, in about a millisecond
per clip.
"""

from __future__ import annotations

from ..errors import AudioError


def decode_mp3(data: bytes, sample_rate: int) -> bytes:
    """Mono 16-bit PCM at ``sample_rate`` of the MP3 bytes ``data`` (resampled if they differ)."""
    import miniaudio

    if not data:
        return b""
    try:
        decoded = miniaudio.decode(
            data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=sample_rate
        )
    except miniaudio.DecodeError as exc:
        raise AudioError(f"cannot decode the audio received: {exc}") from exc
    return bytes(decoded.samples.tobytes())
