"""Robust summaries of repeated samples: medians, spread, and ratios paired by round."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def spread(samples: Sequence[float]) -> float:
    """Half the interquartile range, relative to the median: the noise of one sample."""
    if len(samples) < 2:
        return 0.0
    low, _, high = statistics.quantiles(samples, n=4)
    return (high - low) / 2 / statistics.median(samples)


def paired_ratio(
    samples: Mapping[str, Sequence[float]], over: Sequence[str], under: Sequence[str]
) -> float:
    """Median over rounds of prod(over) / prod(under), each round using its own samples.

    Samples of one round were taken moments apart, so a machine that slows down or speeds
    up between rounds shifts both sides alike and the ratio keeps only the difference.
    """
    rounds = min(len(samples[key]) for key in (*over, *under))
    ratios = [
        math.prod(samples[key][r] for key in over) / math.prod(samples[key][r] for key in under)
        for r in range(rounds)
    ]
    return statistics.median(ratios)


def paired_difference(
    samples: Mapping[str, Sequence[float]], over: Sequence[str], under: Sequence[str]
) -> float:
    """Median over rounds of sum(over) - sum(under), each round using its own samples."""
    rounds = min(len(samples[key]) for key in (*over, *under))
    differences = [
        sum(samples[key][r] for key in over) - sum(samples[key][r] for key in under)
        for r in range(rounds)
    ]
    return statistics.median(differences)
