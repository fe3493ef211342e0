"""Split an integer amount of minor units across lines in proportion to weights, exactly."""

from __future__ import annotations

from collections.abc import Sequence


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Largest-remainder (Hamilton) allocation: the parts sum to `total` exactly.

    Each line first gets floor(total * w / sum(w)); the units left over go one each to
    the lines with the largest remainders, ties to the earlier line. All-zero weights
    share equally.
    """
    if total < 0:
        raise ValueError("allocate() splits a non-negative amount")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    if not weights:
        if total:
            raise ValueError("nothing to allocate to")
        return []
    used = list(weights) if sum(weights) > 0 else [1] * len(weights)
    whole = sum(used)
    shares = [total * w // whole for w in used]
    remainders = [total * w % whole for w in used]
    left = total - sum(shares)
    for i in sorted(range(len(used)), key=lambda i: (-remainders[i], i))[:left]:
        shares[i] += 1
    return shares
