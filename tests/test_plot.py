"""`convcost plot`: real images (PNG, SVG, PDF) of the zoo, the Pareto front, and the errors."""

from __future__ import annotations

import struct
import sys
import xml.etree.ElementTree as ET

import pytest

from convcost import plot
from convcost.errors import ConvcostError
from convcost.zoo import builtin_names

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, which must come first."""
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data.endswith(b"IEND\xaeB`\x82")
    return width, height


def svg_texts(path) -> list[str]:
    """Every text of an SVG, which must parse as XML with an <svg> root."""
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_png_of_the_whole_zoo(run, tmp_path):
    out = tmp_path / "zoo.png"
    result = run("plot", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert png_size(out.read_bytes()) == (1500, 1050)  # 10 x 7 inches at 150 dpi


def test_svg_names_every_network_and_the_front(run, tmp_path):
    out = tmp_path / "zoo.svg"
    assert run("plot", "--y", "mem_access", "-o", str(out)).exit_code == 0
    texts = svg_texts(out)
    assert set(builtin_names()) <= set(texts)
    assert "Pareto front: no other network is better on both axes" in texts
    assert "memory access (elements read + written)" in texts
    assert "MACs (multiply-accumulates of conv and fc layers)" in texts
    assert any("K/M/G = 1e3/1e6/1e9" in t for t in texts)  # the convention, in the caption
    assert "1G" in texts and "100M" in texts  # log axis, SI tick labels


def test_same_input_same_bytes(run, tmp_path):
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    args = ("vgg16", "mobilenet_v1", "shufflenet_v2")
    assert run("plot", *args, "-o", str(a)).exit_code == 0
    assert run("plot", *args, "-o", str(b)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_pdf_and_labels_off(run, tmp_path):
    out = tmp_path / "zoo.pdf"
    assert run("plot", "--no-labels", "-o", str(out)).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    svg = tmp_path / "bare.svg"
    assert run("plot", "vgg16", "resnet50", "--no-labels", "-o", str(svg)).exit_code == 0
    assert "vgg16" not in svg_texts(svg)


def test_accuracy_axis_with_params_per_network(run, tmp_path):
    out = tmp_path / "acc.svg"
    nets = ("mobilenet_v1", "mobilenet_v1@width=0.5", "shufflenet_v2", "vgg16")
    result = run("plot", *nets, "--y", "top1", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    texts = svg_texts(out)
    assert set(nets) <= set(texts)
    assert "ImageNet top-1 accuracy (%)" in texts and "top-1 vs MACs" in texts


def test_latency_axis_on_a_device(run, tmp_path):
    out = tmp_path / "lat.svg"
    result = run("plot", "--x", "latency", "--device", "mobile-cpu", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    texts = svg_texts(out)
    assert "estimated latency (ms)" in texts
    assert "100" in texts and "1000" in texts and "1K" not in texts  # plain milliseconds
    assert any("mobile-cpu" in t for t in texts)  # the device, in the caption


def test_pareto_front_directions():
    nets = [
        plot.Point("a", {"macs": 100, "params": 5, "top1": 70.0}),
        plot.Point("b", {"macs": 200, "params": 3, "top1": 75.0}),
        plot.Point("c", {"macs": 300, "params": 4, "top1": 72.0}),
        plot.Point("d", {"macs": 300, "params": 1, "top1": 75.0}),
    ]
    assert plot.pareto(nets, "macs", "params") == [0, 1, 3]  # c: b has fewer of both
    assert plot.pareto(nets, "macs", "top1") == [0, 1]  # higher accuracy is better
    assert plot.pareto(nets, "top1", "params") == [3]  # d: most accurate, fewest params
    assert plot.pareto(nets, "top1", "macs") == [0, 1]  # d ties b on top-1 with more MACs


def test_si_ticks():
    assert [plot.si_tick(v) for v in (2e8, 1.5e6, 1e9, 5e3, 0.5, 20)] == [
        "200M",
        "1.5M",
        "1G",
        "5K",
        "0.5",
        "20",
    ]


def test_missing_matplotlib(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(ConvcostError, match="pip install 'convcost\\[plot\\]'"):
        plot.render([], "macs", "params", "png", [])
    out = tmp_path / "zoo.png"
    result = run("plot", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == "error: convcost plot needs matplotlib: pip install 'convcost[plot]'\n"
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "zoo.gif"], "cannot tell the image format of 'zoo.gif'"),
        (["--x", "params", "--y", "params", "-o", "a.png"], "must be different metrics"),
        (["--y", "latency", "-o", "a.png"], "the latency axis needs --device"),
        (["--x", "flops", "-o", "a.png"], "flops"),  # click's usage error, naming the value
        ([], "--output"),  # click's: the required option is missing
        (["mobilenet_v4", "-o", "a.png"], "unknown network 'mobilenet_v4'"),
        (["mobilenet_v1@width=0.3", "--y", "top1", "-o", "a.png"], "no published top-1"),
        (["-o", "missing/a.png"], "cannot write missing/a.png"),
    ],
)
def test_bad_arguments(run, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run("plot", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


def _touch(a, b) -> bool:
    """Whether boxes (x0, y0, x1, y1) overlap or touch."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _on_line(seg, box, steps: int = 200) -> bool:
    """Whether some point of line `seg` lies in `box` (sampled)."""
    x0, y0, x1, y1 = seg
    return any(
        _touch((x, y, x, y), box)
        for t in (i / steps for i in range(steps + 1))
        for x, y in [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)]
    )


def test_placement_of_200_crowded_labels_has_no_overlaps():
    """Labels wider than the gaps between points: each goes to another spot, none overlaps."""
    px_per_pt = plot.DPI / 72
    frame = (100.0, 80.0, 1500.0, 980.0)
    legend = (1300.0, 80.0, 1500.0, 140.0)
    anchors, sizes = [], []
    for i in range(200):  # 20 x 10, jittered; labels 30 to 110 pixels wide, points 66 apart
        row, col = divmod(i, 20)
        anchors.append((130 + 66 * col + i * 37 % 11 * 2, 120 + 86 * row + i * 53 % 13 * 2))
        sizes.append((30 + i * 29 % 9 * 10, 16))
    order = sorted(range(200), key=lambda i: -anchors[i][1])
    placed = plot.place(anchors, sizes, order, frame, [legend], px_per_pt)

    assert sorted(placed) == list(range(200)) and all(p.free for p in placed.values())
    assert len({p.offset for p in placed.values()}) >= 5  # crowded: many spots were needed
    r = plot.MARKER * px_per_pt
    markers = [(x - r, y - r, x + r, y + r) for x, y in anchors]
    boxes = {i: p.box for i, p in placed.items()}
    for i, p in placed.items():
        x0, y0, x1, y1 = p.box
        assert (x1 - x0, y1 - y0) == pytest.approx(sizes[i])
        assert frame[0] <= x0 and x1 <= frame[2] and frame[1] <= y0 and y1 <= frame[3]
        assert not _touch(p.box, legend)
        assert not any(_touch(p.box, m) for m in markers)
        assert not any(_touch(p.box, b) for j, b in boxes.items() if j != i)
        if p.leader is not None:
            others = [b for j, b in boxes.items() if j != i] + markers[:i] + markers[i + 1 :]
            assert not any(_on_line(p.leader, b) for b in [*others, legend])
    assert any(p.leader is not None for p in placed.values())


def test_placement_takes_the_first_free_spot_else_the_first():
    """A heap of points at one place: the first four labels take the four near corners in
    turn; the rest find no free spot and go to the first, all the same."""
    placed = plot.place([(500.0, 500.0)] * 40, [(60.0, 16.0)] * 40, range(40), (0, 0, 1e3, 1e3))
    assert [placed[i].offset for i in range(4)] == plot.SPOTS[:4]
    assert all(placed[i].free for i in range(4))
    assert all(placed[i].offset == plot.SPOTS[0] and not placed[i].free for i in range(4, 40))


def test_placement_is_the_greedy_one_with_every_box_compared():
    """The grid only saves comparisons: the spots are those of trying each against everything
    placed before it, as the plot did before (with a leader line sampled, not solved)."""
    px_per_pt, frame = 1.5, (0.0, 0.0, 900.0, 600.0)
    anchors = [(40.0 + i * 173 % 820, 30.0 + i * 97 % 540) for i in range(300)]
    sizes = [(20.0 + i * 7 % 60, 9.0) for i in range(300)]
    order = sorted(range(300), key=lambda i: -anchors[i][1])
    placed = plot.place(anchors, sizes, order, frame, [(700.0, 0.0, 900.0, 60.0)], px_per_pt)

    r = plot.MARKER * px_per_pt
    taken = [(x - r, y - r, x + r, y + r) for x, y in anchors] + [(700.0, 0.0, 900.0, 60.0)]
    lines = []
    for i in order:
        (x, y), (w, h) = anchors[i], sizes[i]
        for dx, dy in plot.SPOTS:
            x0 = x + dx * px_per_pt - (0 if dx > 0 else w)
            y0 = y + dy * px_per_pt - (0 if dy > 0 else h)
            box = (x0, y0, x0 + w, y0 + h)
            if not (frame[0] <= x0 <= box[2] <= frame[2] and frame[1] <= y0 <= box[3] <= frame[3]):
                continue
            if any(_touch(box, t) for t in taken) or any(_on_line(line, box) for line in lines):
                continue
            leader = plot._leader((x, y), (dx, dy), px_per_pt) if abs(dx) > plot.LEADER else None
            if leader is not None:
                mine = taken[i]
                if any(_on_line(leader, t) for t in taken if t is not mine):
                    continue
            expected = plot.Placement((dx, dy), box, leader, True)
            break
        else:
            x0, y0 = x + 3 * px_per_pt, y + 3 * px_per_pt
            expected = plot.Placement(plot.SPOTS[0], (x0, y0, x0 + w, y0 + h), None, False)
        assert placed[i] == expected, i
        taken.append(expected.box)
        if expected.leader is not None:
            lines.append(expected.leader)
    spots = {p.offset for p in placed.values() if p.free}
    assert len(spots) >= 8 and any(not p.free for p in placed.values())  # a crowded test


def test_placed_boxes_are_the_drawn_labels(monkeypatch):
    """The arithmetic boxes `place` tests are where matplotlib draws the labels."""
    pytest.importorskip("matplotlib")
    nets = [
        plot.Point(f"net{i}" + "x" * (i % 7), {"macs": 1e8 * 1.07**i, "params": 1e6 * 1.05**i})
        for i in range(60)
    ]
    seen = {}
    label = plot._label

    def spy(ax, points, *args):
        seen["ax"], seen["placed"] = ax, label(ax, points, *args)
        return seen["placed"]

    monkeypatch.setattr(plot, "_label", spy)
    plot.render(nets, "macs", "params", "png", ["caption"])
    ax, placed = seen["ax"], seen["placed"]
    drawn = {t.get_text(): t.get_window_extent().extents for t in ax.texts}
    assert len(placed) == 60
    for i, p in placed.items():
        assert tuple(drawn[nets[i].label]) == pytest.approx(p.box, abs=1e-6)


def test_a_zero_cost_network_is_refused_not_dropped(run, spec_file, tmp_path):
    # a network with 0 MACs has no place on a log axis: it was silently left out, or (alone)
    # matplotlib warned; now exit 2 naming it
    zero = spec_file("name: z\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - relu\n", "z.yaml")
    out = tmp_path / "z.png"
    for args in ([zero], ["mobilenet_v1", zero]):
        result = run("plot", *args, "-o", str(out))
        assert result.exit_code == 2, result.stderr
        assert "z.yaml has 0 macs" in result.stderr and "Traceback" not in result.stderr
        assert not out.exists()


def test_a_label_that_is_not_utf8_is_drawn(tmp_path):
    # a file name with a byte that is not UTF-8 reached matplotlib as a lone surrogate
    import os
    import subprocess
    import sys

    name = b"\xff.yaml"
    (tmp_path / os.fsdecode(name)).write_text(
        "name: t\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - conv: {out: 8}\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "convcost",
            "plot",
            "mobilenet_v1",
            os.fsdecode(name),
            "-o",
            "p.png",
        ],
        cwd=tmp_path,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert (tmp_path / "p.png").stat().st_size > 0
