"""ShuffleNet V2's guidelines (Ma et al. 2018, Sec. 2) and `convcost advise`."""

from __future__ import annotations

import json
import math

import pytest

from convcost import analyze_name
from convcost.guidelines import advise, g1_bound


@pytest.mark.parametrize(("c1", "c2"), [(128, 128), (90, 180), (52, 312), (36, 432)])
def test_g1_bound_is_eq1(c1, c2):
    # Sec. 2 G1, Eq. 1: MAC >= 2*sqrt(hw*B) + B/hw, B = hw*c1*c2; Table 1's GPU settings, 56x56
    hw = 56 * 56
    b = hw * c1 * c2
    assert g1_bound(hw, c1, c2) == math.ceil(2 * math.sqrt(hw * b)) + b // hw
    assert hw * (c1 + c2) + c1 * c2 >= g1_bound(hw, c1, c2)  # the paper's MAC never beats it


def test_g1_table1_mac_rises_with_the_ratio(run):
    # Table 1 (GPU): fixed FLOPs, c1:c2 = 1:1, 1:2, 1:6, 1:12; MAC per 1x1 conv rises
    macs = []
    for c1, c2 in [(128, 128), (90, 180), (52, 312), (36, 432)]:
        data = json.loads(
            run("layer", "pw", "--in", f"56x56x{c1}", "--out", str(c2), "-f", "json").stdout
        )
        macs.append(data["g1"]["mem_access"])
    assert macs == sorted(macs) and macs[-1] > 1.5 * macs[0]


def test_g2_table2_mac_rises_with_groups(run):
    # Table 2 (GPU): fixed FLOPs, g = 1, 2, 4, 8 with c = 128, 180, 256, 360 on 56x56
    macs, totals = [], []
    for g, c in [(1, 128), (2, 180), (4, 256), (8, 360)]:
        data = json.loads(
            run(
                "layer",
                "conv",
                "--in",
                f"56x56x{c}",
                "--out",
                str(c),
                "-k",
                "1",
                "-g",
                str(g),
                "-f",
                "json",
            ).stdout
        )
        macs.append(data["totals"]["mem_access"])
        totals.append(data["totals"]["macs"])
    assert macs == sorted(macs)
    assert max(totals) / min(totals) < 1.02  # the FLOPs really are (nearly) fixed


def guidelines(name: str, **sets: str) -> dict[str, object]:
    return {f.guideline: f for f in advise(analyze_name(name, sets))}


def test_shufflenet_v1_g8_violates_g2():
    # Sec. 3: ShuffleNet v1 "heavily depends group convolutions (against G2)"
    found = guidelines("shufflenet_v1", groups="8")
    assert "G2" in found and "8 groups" in found["G2"].detail


def test_shufflenet_v2_units_keep_g1_and_g2():
    # ShuffleNet V2 was designed by these rules: no group convs, balanced 1x1 convs
    found = guidelines("shufflenet_v2")
    assert "G1" not in found and "G2" not in found


def test_mobilenet_v2_violates_g1_and_googlenet_g3():
    # Sec. 3: MobileNet V2's inverted bottleneck violates G1; Inception's branches G3
    assert "G1" in guidelines("mobilenet_v2")
    found = guidelines("googlenet")
    assert "G3" in found and len(found["G3"].where) == 9  # nine inception modules


def test_g4_element_wise_traffic():
    found = guidelines("resnet50")
    assert "G4" in found and "add" in found["G4"].detail  # ReLU, AddTensor (Table 4's unit)


def test_advise_cli(run):
    result = run("advise", "shufflenet", "--set", "groups=8", "-f", "json")
    data = json.loads(result.stdout)
    assert data["network"] == "shufflenet_v1"
    assert {f["guideline"] for f in data["findings"]} >= {"G2"}
    assert data["verdict"].startswith("Fix G2 first")
    table = run("advise", "shufflenet_v2").stdout
    assert "Verdict: The design follows G1-G3" in " ".join(table.split())
    assert run("advise", "nope").exit_code == 2
