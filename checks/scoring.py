"""Risk score of a subject (0-100) from the weights of the rules that fired on it."""

from __future__ import annotations

from collections.abc import Iterable


def risk_score(weights: Iterable[int]) -> int:
    """0-100: a noisy-OR of rule weights, so more and heavier rules order a post higher.

    One rule of weight w scores w; two independent rules of 45 score 70; nothing reaches 100
    unless a rule says 100.
    """
    clean = 1.0
    for weight in weights:
        clean *= 1.0 - min(max(weight, 0), 100) / 100.0
    return round(100 * (1.0 - clean))
