"""Text → resource mentions → taxonomy candidates. No Flask, no database writes.

    >>> from nlp import extract
    >>> [(m.head, m.quantity.value, m.quantity.unit) for m in extract("environ 2 t de cartons par mois")]
    [('cartons', 24.0, 't/yr')]
"""
from .extract import extract, extract_many
from .lang import detect_language

__all__ = ["extract", "extract_many", "detect_language"]
