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
