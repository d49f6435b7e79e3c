"""Dates as articles write them, checked against the calendar: an impossible date is no date
and a warning, never an exception later."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ..french import MONTHS

_MONTHS = {m: i for i, m in enumerate(MONTHS, start=1)}
_MONTHS.update({unicodedata.normalize("NFKD", m).encode("ascii", "ignore").decode(): i for m, i in _MONTHS.items()})
DATE_SHAPED = re.compile(r"^\s*(\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?|\d{4}|(?:\w+\s+)?\d{1,2}(?:er)?\s+\w+\s+\d{4})\b")


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """The ISO form of a date that exists in the calendar, else None."""
    try:
        if day is not None and month is not None:
            return dt.date(year, month, day).isoformat()
        if month is not None:
            return dt.date(year, month, 1).isoformat()[:7]
        return dt.date(year, 1, 1).isoformat()[:4]
    except ValueError:
        return None


def normalize_date(value: str) -> str | None:
    """``2016-03-22``, ``2016-03-22T10:00+01:00``, ``2019-12``, ``22/03/2016``, ``22 mars 2016``,
    ``Tue, 22 Mar 2016 10:00:00 GMT`` → ISO; None if unreadable or not a real date
    (``2019-13-45``)."""
    v = value.strip()
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:$|[T ]\d)", v)
    if m:
        return _iso(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
    m = re.match(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$", v)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = re.match(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$", v)
    if m:
        return _iso(int(m[3]), int(m[2]), int(m[1]))
    m = re.match(r"^(?:\w+\.?,?\s+)?(\d{1,2})(?:er)?\s+(\w+)\.?\s+(\d{4})$", v.lower())
    if m and m[2] in _MONTHS:
        return _iso(int(m[3]), _MONTHS[m[2]], int(m[1]))
    if re.match(r"^[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", v):  # RFC 2822, as in e-mail and RSS
        try:
            import email.utils  # RFC 2822 dates of feeds only: not a cost every run pays

            return email.utils.parsedate_to_datetime(v).date().isoformat()
        except (TypeError, ValueError, IndexError):
            return None
    return None


def date_warning(value: str) -> str:
    """Why a date was not used, in a line a user understands."""
    shown = value.strip()
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    if DATE_SHAPED.match(value):
        return f"ignored the date {shown!r}: there is no such day in the calendar"
    return f"ignored the date {shown!r}: it is not a date bulletin can read"


def first_date(candidates: list[str | None], warnings: list[str]) -> str | None:
    """The first candidate that is a real date; the unusable ones before it are reported."""
    for value in candidates:
        if value and value.strip():
            iso = normalize_date(value)
            if iso:
                return iso
            warnings.append(date_warning(value))
    return None
