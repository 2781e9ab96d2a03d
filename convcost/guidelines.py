"""ShuffleNet V2's four guidelines (Ma et al. 2018, Sec. 2), measured on a costed network.

G1  Equal channel widths minimise memory access cost (MAC). For a 1x1 conv with FLOPs
    B = hw*c1*c2: MAC = hw(c1 + c2) + c1*c2 >= 2*sqrt(hw*B) + B/(hw)  (Eq. 1), equality at
    c1 = c2.
G2  Excessive group convolution increases MAC: at fixed FLOPs B = hw*c1*c2/g,
    MAC = hw*c1 + B*g/c1 + B/(hw)  (Eq. 2) grows with g.
G3  Network fragmentation (many small parallel operators) reduces parallelism.
G4  Element-wise operators (ReLU, add, bias / batch norm, shuffle) are negligible in FLOPs but
    not in MAC.
"""

from __future__ import annotations

from math import isqrt


def g1_bound(hw: int, c1: int, c2: int) -> int:
    """Eq. 1's lower bound for a 1x1 conv of c1 -> c2 channels on hw pixels, in elements.

    2*sqrt(hw*B) + B/(hw) with B = hw*c1*c2 is 2*hw*sqrt(c1*c2) + c1*c2; the square root is
    rounded up to a whole element with exact integer arithmetic (math.isqrt).
    """
    square = 4 * hw * hw * c1 * c2
    root = isqrt(square)
    return root + (root * root < square) + c1 * c2
