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
from typing import NamedTuple

from convcost.report import Report


def _count(n: int, noun: str, nouns: str = "") -> str:
    """'1 group conv', '2 group convs'."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


def g1_bound(hw: int, c1: int, c2: int) -> int:
    """Eq. 1's lower bound for a 1x1 conv of c1 -> c2 channels on hw pixels, in elements.

    2*sqrt(hw*B) + B/(hw) with B = hw*c1*c2 is 2*hw*sqrt(c1*c2) + c1*c2; the square root is
    rounded up to a whole element with exact integer arithmetic (math.isqrt).
    """
    square = 4 * hw * hw * c1 * c2
    root = isqrt(square)
    return root + (root * root < square) + c1 * c2


G1_EXCESS = 0.2
"""A 1x1 conv is reported under G1 when its MAC exceeds Eq. 1's bound by more than 20%: a
c1:c2 ratio beyond about 1:4 (1:2 costs 6%, 1:4 25%, 1:6 43%; Table 1 measures 1:1 to 1:12)."""
G3_BRANCHES = 3
"""A parallel block is reported under G3 from three conv branches on (Inception's four); two
(a shortcut beside a body, ShuffleNet V2's two halves) is what the guidelines recommend."""
G4_SHARE = 0.1
"""G4 is reported when element-wise operators move more than 10% of all memory traffic."""


class Finding(NamedTuple):
    """One guideline's finding: where, what was measured, what fixing it would save."""

    guideline: str  # "G1" .. "G4"
    where: tuple[str, ...]  # layer or block paths
    detail: str
    saving: str
    mem_access_saving: int  # elements of memory traffic a fix would remove (G3: 0)


def advise(report: Report) -> list[Finding]:
    """The findings for G1-G4 that cross their thresholds, in guideline order."""
    findings = [_g1(report), _g2(report), _g3(report), _g4(report)]
    return [f for f in findings if f is not None]


def verdict(report: Report, findings: list[Finding]) -> str:
    """One line a person can act on: the architectural finding (G1-G3) that would save the
    most memory traffic, else G4's fusion advice, else that the network follows the rules."""
    design = [f for f in findings if f.guideline != "G4"]
    fuse = next((f for f in findings if f.guideline == "G4"), None)
    total = report.totals.mem_access or 1
    if design:
        best = max(design, key=lambda f: f.mem_access_saving)
        line = f"Fix {best.guideline} first: {best.saving}"
        if best.mem_access_saving:
            line += f" ({100 * best.mem_access_saving / total:.0f}% of the memory traffic)"
        return line + ("; and fuse batch norm and activations at deployment (G4)." if fuse else ".")
    if fuse:
        return (
            f"The design follows G1-G3; the lever left is G4: {fuse.saving} "
            f"({100 * fuse.mem_access_saving / total:.0f}% of the memory traffic)."
        )
    return (
        f"{report.network} follows ShuffleNet V2's guidelines: balanced 1x1 convs, no group "
        "convs, few parallel branches, light element-wise traffic."
    )


def _g1(report: Report) -> Finding | None:
    flagged: list[tuple[str, int, int, int, int]] = []  # path, c1, c2, mac, bound
    for x in report.layers:
        (inp,) = x.inputs if len(x.inputs) == 1 else (None,)
        if x.category != "pointwise" or inp is None or (inp.h, inp.w) != (x.out.h, x.out.w):
            continue
        bound = g1_bound(inp.h * inp.w, inp.c, x.out.c)
        if x.cost.mem_access > (1 + G1_EXCESS) * bound:
            flagged.append((x.path, inp.c, x.out.c, x.cost.mem_access, bound))
    if not flagged:
        return None
    path, c1, c2, mac, bound = max(flagged, key=lambda f: f[3] / f[4])
    ratio = f"1:{max(c1, c2) / min(c1, c2):.1f}"
    excess = sum(f[3] - f[4] for f in flagged)
    return Finding(
        "G1",
        tuple(f[0] for f in flagged),
        f"{len(flagged)} 1x1 convs have unequal input and output widths; the worst, {path} "
        f"({c1} -> {c2}, {ratio}), moves {100 * (mac - bound) / bound:.0f}% more than Eq. 1's "
        "bound for its FLOPs",
        f"equal widths at the same FLOPs would move {excess:,} fewer elements",
        excess,
    )


def _g2(report: Report) -> Finding | None:
    flagged = [x for x in report.layers if x.category == "group"]
    if not flagged:
        return None
    groups = [x.groups for x in flagged]
    extra = sum(
        x.out.h * x.out.w * x.out.c * (g - 1) // g for x, g in zip(flagged, groups, strict=True)
    )
    return Finding(
        "G2",
        tuple(x.path for x in flagged),
        f"{_count(len(flagged), 'group conv')} ({', '.join(map(str, sorted(set(groups))))} "
        "groups): at "
        "fixed FLOPs each moves hw*c2*(1 - 1/g) more elements than a dense conv (Eq. 2)",
        f"dense convs of the same FLOPs would move {extra:,} fewer elements",
        extra,
    )


def _g3(report: Report) -> Finding | None:
    branches: dict[str, set[int]] = {}  # parallel path -> branches holding a conv
    for x in report.layers:
        if x.category != "other" and x.branch:
            path, index = x.branch[-1]
            branches.setdefault(path, set()).add(index)
    flagged = {p: len(b) for p, b in branches.items() if len(b) >= G3_BRANCHES}
    if not flagged:
        return None
    extra = sum(n - 1 for n in flagged.values())
    fewest, most = min(flagged.values()), max(flagged.values())
    blocks = _count(len(flagged), "block") + (" runs" if len(flagged) == 1 else " run")
    return Finding(
        "G3",
        tuple(flagged),
        f"{blocks} {fewest if fewest == most else f'{fewest}-{most}'} parallel conv branches "
        f"(fragments that cannot share one kernel launch)",
        f"fusing each block's branches into one path would remove "
        f"{_count(extra, 'branch launch', 'branch launches')} per image",
        0,
    )


def _g4(report: Report) -> Finding | None:
    elementwise = [x for x in report.layers if x.facts.elementwise]
    moved = sum(x.cost.mem_access for x in elementwise)
    total = report.totals.mem_access
    if not total or moved <= G4_SHARE * total:
        return None
    fusable = sum(x.cost.mem_access for x in elementwise if "+" in x.path)
    kinds = sorted({x.kind for x in elementwise})
    flops = sum(x.cost.flops for x in elementwise)
    return Finding(
        "G4",
        tuple(kinds),
        f"element-wise operators ({', '.join(kinds)}) move {100 * moved / total:.0f}% of the "
        f"memory traffic for {100 * flops / max(report.totals.flops, 1):.0f}% of the FLOPs",
        f"fusing batch norm and activations into their convolutions would remove {fusable:,} "
        "elements of traffic",
        fusable,
    )
