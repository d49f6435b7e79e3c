"""Bytes to text: UTF-8, UTF-16 with a BOM, the server's charset or cp1252; binary data refused;
control characters found and dropped with a warning that names them."""

from __future__ import annotations

import codecs
import re
from collections import Counter

from ..errors import ArticleError


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("bulletin-latin1", _latin1_fallback)


_BINARY_MAGIC = (b"ID3", b"\xff\xfb", b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\x1f\x8b", b"RIFF", b"GIF8")

# --- bytes to text -------------------------------------------------------------------------------

# Unicode's control characters (category Cc) but tab, line feed, vertical tab, form feed and
# carriage return, which are layout.
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # a terminal colour code: ESC [ 31 m
_C0_NAMES = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
    "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
)  # fmt: skip


def _control_name(c: str) -> str:
    return _C0_NAMES[ord(c)] if ord(c) < 32 else "DEL" if c == "\x7f" else f"U+{ord(c):04X}"


def decode_bytes(data: bytes, name: str = "the article", charset: str | None = None) -> str:
    """Decode an article's bytes: UTF-8 (with or without BOM, or UTF-16 with BOM), else the
    ``charset`` the server announced, else cp1252. Control characters are left in (the parsers
    drop them, with a warning).

    Raises :class:`ArticleError` for data that is not text at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArticleError(f"{name} looks like UTF-16 but cannot be decoded") from exc
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:65536]:
        raise ArticleError(f"{name} is a binary file, not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
        if charset:
            try:
                text = data.decode(charset)
            except (LookupError, UnicodeDecodeError):
                text = ""
        # Windows editors still save French as cp1252; the five bytes it leaves undefined are
        # read as latin-1 so that no byte is lost.
        text = text or data.decode("cp1252", errors="bulletin-latin1")
    # A scraper leaves a stray ESC or BEL in a text (they are dropped later); a binary file that
    # has no NUL byte still decodes to text that is thick with control characters.
    sample = text[:65536]
    controls = len(CONTROL.findall(sample))
    if controls > max(8, len(sample) // 20):
        raise ArticleError(f"{name} is a binary file, not a text article")
    return text


def drop_controls(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove control characters (terminal colour codes whole); return the text and a warning
    that names what was dropped, if anything was."""
    if not CONTROL.search(text):
        return text, ()
    dropped: Counter[str] = Counter()
    text, colours = _ANSI.subn("", text)
    dropped["\x1b"] += colours
    dropped.update(CONTROL.findall(text))
    total = sum(dropped.values())
    named = ", ".join(_control_name(c) + (f" ×{n}" if n > 1 else "") for c, n in dropped.most_common())
    plural = "s" if total > 1 else ""
    return CONTROL.sub("", text), (f"dropped {total} control character{plural} from the text ({named})",)
