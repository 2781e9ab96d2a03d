"""The command line: every command, every format, help, and what it imports."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import convcost
from convcost.cli import cli
from convcost.render import backends

COMMANDS = sorted(cli.commands)
README = Path(__file__).resolve().parent.parent / "README.md"


def ok(run, *args: str):
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def test_analyze_table_shows_every_layer_and_totals(run):
    out = ok(run, "analyze", "mobilenet_v1")
    assert "stage4.unit6.pw" in out
    assert any(
        line.split()[:4] == ["init_block", "conv", "224x224x3", "112x112x32"]
        for line in out.splitlines()
    )  # in and out shapes, HxWxC
    assert "568.7M" in out and "4.23M" in out  # totals
    assert "width=1.0 resolution=224" in out  # the params it was built with
    assert "multiply-accumulates" in out  # the convention, stated


def test_analyze_with_sets(run):
    data = json.loads(
        ok(
            run,
            "analyze",
            "mobilenet_v1",
            "--set",
            "width=0.5",
            "--set",
            "resolution=160",
            "-f",
            "json",
        )
    )
    assert data["params"] == {"width": 0.5, "resolution": 160, "classes": 1000}
    assert data["input"] == [160, 160, 3]


def test_analyze_json_schema(run):
    data = json.loads(ok(run, "analyze", "shufflenet_v2", "-f", "json"))
    assert set(data) == {"network", "params", "input", "layers", "totals", "memory"}
    layer = data["layers"][0]
    assert set(layer) == {
        "path",
        "kind",
        "torch",
        "category",
        "line",
        "in",
        "out",
        "macs",
        "flops",
        "params",
        "activations",
        "mem_access",
        "mem_access_bytes",
    }
    assert layer["mem_access_bytes"] == 4 * layer["mem_access"]  # fp32 by default
    assert set(data["memory"]) == {
        "precision",
        "bytes_per_element",
        "peak_activations",
        "peak_at",
        "weights_bytes",
        "peak_activations_bytes",
        "mem_access_bytes",
    }
    assert layer["in"] == [[224, 224, 3]] and layer["out"] == [112, 112, 24]
    for field in ("macs", "flops", "params", "activations", "mem_access"):
        assert data["totals"][field] == sum(x[field] for x in data["layers"])
        assert isinstance(data["totals"][field], int)
    assert data["totals"]["params"] == 2_278_604  # torchvision shufflenet_v2_x1_0 num_params


def test_analyze_csv_parses_and_sums(run):
    rows = list(csv.DictReader(io.StringIO(ok(run, "analyze", "vgg16", "-f", "csv"))))
    assert sum(int(r["params"]) for r in rows) == 138_357_544  # torchvision vgg16 num_params
    assert rows[0]["in"] == "224x224x3" and rows[0]["category"] == "standard"


@pytest.mark.parametrize("by", ["category", "block"])
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_analyze_by(run, by, fmt):
    out = ok(run, "analyze", "shufflenet", "--by", by, "-f", fmt)
    if fmt == "json":
        data = json.loads(out)
        assert sum(g["macs"] for g in data["groups"]) == data["totals"]["macs"]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows[0][by] in ("standard", "init_block")
    else:
        assert ("group conv" if by == "category" else "stage3") in out


def test_analyze_by_block_depth(run):
    data = json.loads(
        ok(run, "analyze", "shufflenet_v1", "--by", "block", "--depth", "2", "-f", "json")
    )
    names = [g["name"] for g in data["groups"]]
    assert names[:5] == ["init_block", "init_pool", "stage2.down", "stage2.unit1", "stage2.unit2"]


def test_analyze_markdown(run):
    out = ok(run, "analyze", "mobilenet_v1", "-f", "markdown")
    lines = out.splitlines()
    assert lines[2].startswith("| layer | kind |") and lines[3].startswith("| :-- |")
    assert "| total |" in out


def test_analyze_spec_file_path(run):
    spec = Path(__file__).resolve().parent.parent / "specs" / "mobilenet_v1.yaml"
    assert "568.7M" in ok(run, "analyze", str(spec))


def test_compare(run):
    out = ok(run, "compare", "vgg16", "shufflenet", "mobilenet_v1", "shufflenet_v2")
    assert "1/27.2x" in out  # MobileNet v1 needs 1/27.2 of VGG16's MACs
    data = json.loads(ok(run, "compare", "vgg16", "mobilenet_v1", "-f", "json"))
    assert [d["network"] for d in data] == ["vgg16", "mobilenet_v1"]
    assert "layers" not in data[0]
    assert data[0]["ratio_to_first"]["macs"] == 1.0
    assert data[1]["ratio_to_first"]["macs"] == round(568_740_352 / 15_470_264_320, 6)


def test_compare_params_per_network(run):
    data = json.loads(
        ok(run, "compare", "mobilenet_v1", "mobilenet_v1@width=0.5,resolution=160", "-f", "json")
    )
    assert data[1]["label"] == "mobilenet_v1@width=0.5,resolution=160"
    assert data[1]["params"]["resolution"] == 160


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_compare_by_category(run, fmt):
    out = ok(run, "compare", "vgg16", "mobilenet", "--by", "category", "-f", fmt)
    if fmt == "json":
        assert "pointwise" in json.loads(out)[1]["categories"]
    elif fmt == "csv":
        assert "mobilenet,pointwise," in out
    else:
        assert "pointwise conv % MACs" in out and "94.86%" in out


def test_layer_dwsep(run):
    out = " ".join(ok(run, "layer", "dwsep", "--in", "64x64x3", "--out", "4", "-k", "3").split())
    assert "110.6K" in out and "49.15K" in out and "442.4K" in out  # SI, as analyze
    assert "13/36" in out and "1/N + 1/K^2 = 1/4 + 1/9 = 13/36" in out
    data = json.loads(ok(run, "layer", "dwsep", "--in", "64x64x3", "--out", "4", "-f", "json"))
    assert data["ratio"] == {
        "macs": "13/36",
        "params": "13/36",
        "one_over_n_plus_one_over_k2": "13/36",
    }
    assert data["standard"]["totals"]["macs"] == 442_368
    # the standard conv's own memory: 3x3x3x4 weights, 64x64x3 read + 108 + 64x64x4 written
    standard = data["standard"]["memory"]
    assert (standard["peak_at"], standard["weights_bytes"]) == ("conv", 108 * 4)
    assert standard["mem_access_bytes"] == (64 * 64 * 3 + 108 + 64 * 64 * 4) * 4
    rows = list(
        csv.DictReader(
            io.StringIO(ok(run, "layer", "dwsep", "--in", "64x64x3", "--out", "4", "-f", "csv"))
        )
    )
    assert [r["path"] for r in rows] == ["dw", "pw", "standard.conv"]


def test_layer_bias_and_bn_change_params_not_macs(run):
    plain = json.loads(ok(run, "layer", "dwsep", "--in", "14x14x512", "--out", "512", "-f", "json"))
    full = json.loads(
        ok(
            run,
            "layer",
            "dwsep",
            "--in",
            "14x14x512",
            "--out",
            "512",
            "--bias",
            "--bn",
            "-f",
            "json",
        )
    )
    assert plain["totals"]["macs"] == full["totals"]["macs"] == 52_283_392  # MobileNet Table 3
    assert full["totals"]["params"] == 266_752 + (512 + 512) + 2 * (2 * 512)
    assert full["ratio"]["macs"] == "521/4608"  # 1/512 + 1/9


@pytest.mark.parametrize(
    ("kind", "args", "macs"),
    [
        ("conv", ["--out", "64", "-k", "3"], 86_704_128),
        ("pw", ["--out", "8"], 224 * 224 * 3 * 8),
        ("dw", [], 224 * 224 * 3 * 9),
        ("conv", ["--out", "6", "-k", "1", "-g", "3", "-s", "2"], 112 * 112 * 6),
    ],
)
def test_layer_kinds(run, kind, args, macs):
    data = json.loads(ok(run, "layer", kind, "--in", "224x224x3", *args, "-f", "json"))
    assert data["totals"]["macs"] == macs


def test_list(run):
    out = ok(run, "list")
    assert "mobilenet_v1" in out and "shufflenet" in out and "Howard et al. 2017" in out
    data = json.loads(ok(run, "list", "-f", "json"))
    by_name = {d["name"]: d for d in data}
    assert by_name["shufflenet_v1"]["aliases"] == ["shufflenet"]
    assert by_name["vgg16"]["totals"]["params"] == 138_357_544
    assert "name,aliases" in ok(run, "list", "-f", "csv")
    assert "| mobilenet_v1 | mobilenet |" in ok(run, "list", "-f", "markdown")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(run, command, flag):
    # convcost's own words (the command's summary, its options), not click's layout of them
    out = "".join(ok(run, command, flag).split())  # however click wraps the lines
    summary = (cli.commands[command].help or "").split("\n\n")[0]
    assert summary and "".join(summary.split()) in out
    for param in cli.commands[command].params:
        assert all(opt in out for opt in param.opts if opt.startswith("-"))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command):
    assert f"convcost {command}" in README.read_text(encoding="utf-8")


def test_version(run):
    out = ok(run, "--version")
    assert "convcost" in out and convcost.__version__ in out


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split()[-1000000:])


def test_cli_import_is_light():
    # DESIGN.md "Speed": importing the CLI loads neither rich, numpy nor yaml
    loaded = _modules_after("import convcost.cli")
    assert not {"rich", "numpy", "yaml"} & loaded


def test_json_analysis_does_not_load_rich_or_numpy(tmp_path):
    code = (
        "import sys\nfrom convcost.cli import cli\n"
        "try:\n    cli(['analyze', 'mobilenet_v1', '-f', 'json'])\nexcept SystemExit:\n    pass\n"
        f"open({str(tmp_path / 'mods')!r}, 'w').write(' '.join(sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    loaded = set((tmp_path / "mods").read_text().split())
    assert "yaml" in loaded and not {"rich", "numpy"} & loaded


def test_console_script_exit_codes():
    # the installed entry point: 0 on success, 2 on bad input, one line, no traceback
    good = subprocess.run(
        [sys.executable, "-m", "convcost", "analyze", "vgg16", "-f", "csv"],
        capture_output=True,
        text=True,
    )
    assert good.returncode == 0 and good.stdout.startswith("path,kind")
    bad = subprocess.run(
        [sys.executable, "-m", "convcost", "analyze", "vgg17"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: unknown network 'vgg17' (did you mean 'vgg16'?)")


def test_layer_pw_shows_the_g1_bound(run):
    # ShuffleNet V2 Sec. 2, G1, Eq. 1: MAC = hw(c1 + c2) + c1*c2 >= 2*sqrt(hw*B) + B/(hw);
    # Table 1's 1:2 GPU setting, c1 = 90, c2 = 180 on 56x56
    data = json.loads(ok(run, "layer", "pw", "--in", "56x56x90", "--out", "180", "-f", "json"))
    hw = 56 * 56
    assert data["g1"]["mem_access"] == hw * (90 + 180) + 90 * 180
    assert data["g1"]["lower_bound"] == 814_496  # ceil(2 * 3136 * sqrt(16200)) + 16200
    equal = json.loads(ok(run, "layer", "pw", "--in", "56x56x128", "--out", "128", "-f", "json"))
    assert equal["g1"]["mem_access"] == equal["g1"]["lower_bound"]  # c1 = c2 reaches it
    assert "+5.9%" in " ".join(ok(run, "layer", "pw", "--in", "56x56x90", "--out", "180").split())


@pytest.mark.parametrize(("precision", "size"), [("fp32", 4), ("fp16", 2), ("int8", 1)])
def test_precision_scales_bytes(run, precision, size):
    data = json.loads(ok(run, "analyze", "vgg16", "--precision", precision, "-f", "json"))
    assert data["memory"]["weights_bytes"] == 138_357_544 * size
    assert data["memory"]["mem_access_bytes"] == data["totals"]["mem_access"] * size


# One invocation per command that prints a report (plot writes an image: tests/test_plot.py;
# import writes a spec: tests/test_import.py; export a model: tests/test_onnx_export.py;
# calibrate measures for seconds: tests/test_calibrate.py; report writes a page:
# tests/test_report.py).
REPORTS = {
    "analyze": ["analyze", "mobilenet_v1", "--by", "category"],
    "compare": ["compare", "vgg16", "mobilenet_v1"],
    "layer": ["layer", "dwsep", "--in", "64x64x3", "--out", "4"],
    "list": ["list"],
    "advise": ["advise", "shufflenet", "--set", "groups=8"],
    "explain": ["explain", "mobilenet_v2"],
    "devices": ["devices"],
    "check": ["check", "mobilenet_v1", "--max-macs", "600M", "--expect", "params=4231976"],
    "sweep": ["sweep", "mobilenet_v1", "--set", "width=1,0.5"],
    "measure": [
        "measure",
        "squeezenet1_1",
        "--set",
        "resolution=64",
        "--runs",
        "1",
        "--warmup",
        "0",
    ],
}


def test_every_report_command_is_in_the_format_test():
    assert set(REPORTS) == set(COMMANDS) - {"plot", "import", "export", "calibrate", "report"}


@pytest.mark.parametrize("command", sorted(REPORTS))
def test_every_command_speaks_every_format(run, command):
    args = REPORTS[command]
    json.loads(ok(run, *args, "-f", "json"))
    rows = list(csv.reader(io.StringIO(ok(run, *args, "-f", "csv"))))
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
    assert "| :-- |" in ok(run, *args, "-f", "markdown")
    tex = ok(run, *args, "-f", "latex")
    assert tex.count(r"\begin{tabular}") == tex.count(r"\bottomrule") >= 1
    assert r"\toprule" in tex and r"\midrule" in tex


def test_latex_escapes_what_plain_latex_would_misprint(run):
    tex = run("check", "mobilenet_v1", "--max-macs", "500M", "-f", "latex").stdout
    assert r"\textless{}= 500,000,000" in tex and r"(+13.7\%)" in tex  # <= and %
    tex = ok(run, "analyze", "mobilenet_v1", "-f", "latex")
    assert (
        backends.latex_escape("a -> b < c | d") == r"a -\textgreater{} b \textless{} c \textbar{} d"
    )
    assert r"mobilenet\_v1 & mobilenet" in ok(run, "list", "-f", "latex")
