"""From an amount and how often it comes to the canonical quantity.

`to_quantity(amount, frequency, months)` turns an amount (`nlp.units`) into a
`data.types.Quantity`: flows become per-year figures (t/yr, m3/yr, MWh/yr,
count/yr), use of equipment or people becomes h/week (8 h per working day),
power stays kW, area m2. `parse_quantity(text)` does both for one expression.
"""
from __future__ import annotations

from data.types import Quantity

from .periods import (
    ALL_YEAR, DAYS_PER_YEAR, WEEKS_PER_YEAR, WORKING_DAYS_PER_WEEK, WORKING_DAYS_PER_YEAR, Frequency,
)
from .units import FLOW_DIMENSIONS, Amount, scan


def to_quantity(amount: Amount, frequency: Frequency | None = None,
                months: tuple[int, ...] = (), text: str = "") -> Quantity:
    """Convert an amount to its canonical `Quantity`, per year when it is a flow.

    A rate given per day, week or month and limited to some months ("20 m³ par mois
    en hiver") counts only those months. Time becomes h/week: per-day figures use 5
    working days a week, longer periods are spread over 52 weeks.
    """
    value, low, high, unit = amount.value, amount.low, amount.high, amount.unit
    if amount.per_week:
        unit = "h/week"
    elif frequency is not None and frequency.per_year is not None:
        if amount.dimension in FLOW_DIMENSIONS:
            scale = _per_year(frequency, months)
            unit = f"{unit}/yr"
        elif amount.dimension == "time":
            scale = _per_week(frequency)
            unit = "h/week"
        else:
            scale = 1.0
        value, low, high = value * scale, _times(low, scale), _times(high, scale)
    return Quantity(
        value=_tidy(value), unit=unit, dimension=amount.dimension, low=_tidy(low), high=_tidy(high),
        approximate=amount.approximate, text=text or amount.text,
        original_unit=amount.original_unit,
    )


def _per_year(f: Frequency, months: tuple[int, ...]) -> float:
    per_year = f.per_year or 1.0
    if months and set(months) != set(ALL_YEAR) and f.period in ("day", "working_day", "week", "month", "hour"):
        per_year *= len(set(months)) / 12
    return per_year


def _per_week(f: Frequency) -> float:
    per_year = f.per_year or 0.0
    if f.period == "day":
        return per_year / DAYS_PER_YEAR * WORKING_DAYS_PER_WEEK  # "2 h par jour": working days
    if f.period == "working_day":
        return per_year / WORKING_DAYS_PER_YEAR * WORKING_DAYS_PER_WEEK
    return per_year / WEEKS_PER_YEAR


def _times(x: float | None, scale: float) -> float | None:
    return None if x is None else x * scale


def _tidy(x: float | None) -> float | None:
    """Drop float noise from unit conversions (0.30000000000000004 → 0.3)."""
    return None if x is None else float(f"{x:.9g}")


def parse_quantity(text: str, lang: str = "fr") -> Quantity | None:
    """The quantity of a short expression: "environ 2 t par mois" → 24 t/yr."""
    found = scan(text, lang)
    amounts = [a for a in found.amounts if not a.bare] or list(found.amounts)
    if not amounts:
        return None
    amount = amounts[0]
    frequency = found.frequencies[0] if found.frequencies else None
    months = tuple(m for s in found.seasons for m in s.months)
    return to_quantity(amount, frequency, months)
