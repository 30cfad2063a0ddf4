"""The sample size of a perception survey by Krejcie & Morgan (1970).

    s = X²NP(1 − P) / (d²(N − 1) + X²P(1 − P))

with X² = 3.841 (chi-square, one degree of freedom, 95% confidence), P = 0.5 (the
proportion that gives the largest sample) and d = 0.05 (the margin of error). The
published table ("Table for determining sample size from a given population") gives s
rounded to the nearest whole number; computed here in exact fractions, so no population
lands on the wrong side of a half through floating point. The test reproduces every
entry of the table.
"""

from __future__ import annotations

from fractions import Fraction

CHI_SQUARE = Fraction("3.841")
PROPORTION = Fraction(1, 2)
MARGIN = Fraction(1, 20)
# Larger than any population an office serves; beyond it the answer is 384 anyway.
MAX_POPULATION = 1_000_000_000


def krejcie_morgan(population: int) -> int:
    """The sample size Krejcie & Morgan's table gives for a population of `population`."""
    if isinstance(population, bool) or not isinstance(population, int):
        raise TypeError("population must be a whole number")
    if not 1 <= population <= MAX_POPULATION:
        raise ValueError(f"population must be between 1 and {MAX_POPULATION}")
    spread = CHI_SQUARE * PROPORTION * (1 - PROPORTION)
    exact = spread * population / (MARGIN * MARGIN * (population - 1) + spread)
    # Half up, as the published table rounds (its 10 -> 9.77 -> 10 and 15 -> 14.47 -> 14).
    return int(exact + Fraction(1, 2))
