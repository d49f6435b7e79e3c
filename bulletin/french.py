"""Small facts about French shared by the reader, the quote detector and the normaliser."""

from __future__ import annotations

MONTHS: tuple[str, ...] = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
WEEKDAYS: tuple[str, ...] = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def written_date(date: str) -> str:
    """An ISO date as a French title writes it: ``2016-03-22`` → ``22 mars 2016``, ``2016-03-01`` →
    ``1er mars 2016``, ``2019-12`` → ``décembre 2019``. Anything else is returned unchanged."""
    parts = date.split("-")
    if not all(p.isdigit() for p in parts) or len(parts) > 3:
        return date
    numbers = [int(p) for p in parts]
    if len(numbers) >= 2 and not 1 <= numbers[1] <= 12:
        return date
    if len(numbers) == 3:
        day = "1er" if numbers[2] == 1 else str(numbers[2])
        return f"{day} {MONTHS[numbers[1] - 1]} {numbers[0]}"
    if len(numbers) == 2:
        return f"{MONTHS[numbers[1] - 1]} {numbers[0]}"
    return date
