"""Regenerate docs/errors.md: run every case and record the message convcost really prints.

    python scripts/errors_doc.py

with convcost installed; tests/test_errors_doc.py checks the result.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

H = "name: t\ninput: {c: 3, h: 32, w: 32}\n"
# (section, title, kind, payload); kind "spec": YAML saved as net.yaml and analyzed;
# "cmd*": a command line (the cmdbin/cmdbig/cmddev ones need the files set up below)
CASES = [
    ("Reading the spec", "No such file", "cmd", "convcost analyze nets/missing.yaml"),
    ("Reading the spec", "A directory", "cmd", "convcost analyze nets/"),
    ("Reading the spec", "A directory by a bare name", "cmd", "convcost analyze nets"),
    ("Reading the spec", "Not UTF-8 text", "cmdbin", "convcost analyze latin1.yaml"),
    ("Reading the spec", "Unknown built-in network", "cmd", "convcost analyze mobilenet_v4"),
    ("Reading the spec", "Too large", "cmdbig", "convcost analyze huge.yaml"),
    ("YAML", "Syntax error", "spec", H + "layers:\n  - conv: {out: [1, 2}\n"),
    ("YAML", "Tabs", "spec", H + "layers:\n\t- relu\n"),
    ("YAML", "Nested too deeply", "spec", H + "layers: " + "[" * 70 + "]" * 70 + "\n"),
    ("YAML", "Aliases", "spec", H + "layers:\n  - conv: &c {out: 8}\n  - conv: *c\n"),
    ("YAML", "Duplicate key", "spec", H + "layers:\n  - conv: {out: 8, out: 16}\n"),
    (
        "YAML",
        "Duplicate key in a params table",
        "spec",
        H + "params: {table: {1: 8, 1: 16}}\nlayers: [relu]\n",
    ),
    ("YAML", "Tags", "spec", H + "layers:\n  - conv: {out: !!int 8}\n"),
    ("YAML", "Merge keys", "spec", H + "layers:\n  - conv: {<<: {out: 8}}\n"),
    (
        "YAML",
        "A table key that is not a scalar",
        "spec",
        H + "params: {table: {[1, 2]: 8}}\nlayers: [relu]\n",
    ),
    ("Values", "A leading zero", "spec", H + "layers:\n  - conv: {out: 064}\n"),
    ("Values", "Base 60", "spec", H + "layers:\n  - conv: {out: 1:04}\n"),
    ("Values", "Hexadecimal", "spec", H + "layers:\n  - conv: {out: 0x10}\n"),
    ("Values", "Binary", "spec", H + "layers:\n  - conv: {out: 0b101}\n"),
    ("Values", "Underscores", "spec", H + "layers:\n  - conv: {out: 1_000}\n"),
    ("Values", "Not finite", "spec", H + "params: {width: .nan}\nlayers: [relu]\n"),
    ("Values", "Beyond 1e18", "spec", H + "layers:\n  - conv: {out: 99999999999999999999}\n"),
    ("Values", "A date", "spec", H + "layers:\n  - conv: {out: 2001-12-14}\n"),
    ("Values", "Not a value", "spec", H + "layers:\n  - conv: {out: =}\n"),
    ("Values", "A long value", "spec", H + f"layers:\n  - conv: {{out: {'C + ' * 125}C}}\n"),
    ("Values", "A long name", "spec", H + f"layers:\n  - conv: {{out: 8, {'x' * 101}: 1}}\n"),
    (
        "Values",
        "A long list",
        "spec",
        H + f"layers:\n  - conv: {{out: 8, act: [{', '.join(['relu'] * 17)}]}}\n",
    ),
    ("Values", "A list in a list", "spec", H + "layers:\n  - conv: {out: 8, k: [[3, 3]]}\n"),
    ("The spec's shape", "Empty spec", "spec", "\n"),
    ("The spec's shape", "Not a mapping", "spec", "- relu\n"),
    ("The spec's shape", "Missing key", "spec", "name: t\ninput: {c: 3, h: 32, w: 32}\n"),
    ("The spec's shape", "Unknown top-level key", "spec", H + "layer: [relu]\n"),
    (
        "The spec's shape",
        "Wrong type of value",
        "spec",
        "name: [t]\ninput: {c: 3, h: 32, w: 32}\nlayers: [relu]\n",
    ),
    ("The spec's shape", "Input", "spec", "name: t\ninput: {c: 3, h: 0, w: 32}\nlayers: [relu]\n"),
    ("The spec's shape", "Unsupported version", "spec", "convcost: 2\n" + H + "layers: [relu]\n"),
    (
        "The spec's shape",
        "top1 that is not a percentage",
        "spec",
        H + "top1: {value: 706, source: Table 8}\nlayers: [relu]\n",
    ),
    (
        "The spec's shape",
        "top1 at an unknown param",
        "spec",
        "name: t\nparams: {width: 1}\ninput: {c: 3, h: 32, w: 32}\n"
        "top1:\n  - {value: 70.6, source: Table 8}\n"
        "  - {value: 68.4, source: Table 6, at: {widht: 0.75}}\n"
        "layers: [relu]\n",
    ),
    ("Layers", "Unknown layer kind", "spec", H + "layers:\n  - convv: {out: 8}\n"),
    ("Layers", "Unknown argument", "spec", H + "layers:\n  - conv: {out: 8, kernel: 3}\n"),
    (
        "Layers",
        "Argument to a kind that takes none",
        "spec",
        H + "layers:\n  - relu: {inplace: true}\n",
    ),
    ("Layers", "Missing argument", "spec", H + "layers:\n  - conv: {k: 3}\n"),
    ("Layers", "Empty argument", "spec", H + "layers:\n  - conv: {out: 8, k: null}\n"),
    ("Layers", "Bad padding", "spec", H + "layers:\n  - conv: {out: 8, pad: [1, 2, 3]}\n"),
    ("Layers", "Not a whole number", "spec", H + "layers:\n  - conv: {out: 2.5}\n"),
    (
        "Layers",
        "A boolean or text where a number belongs",
        "spec",
        H + "layers:\n  - conv: {out: true}\n",
    ),
    (
        "Layers",
        "A list where one number belongs",
        "spec",
        H + "layers:\n  - conv: {out: [8, 16]}\n",
    ),
    (
        "Layers",
        "A pair of the wrong length",
        "spec",
        H + "layers:\n  - conv: {out: 8, k: [1, 3, 1]}\n",
    ),
    ("Layers", "Not true or false", "spec", H + "layers:\n  - conv: {out: 8, bias: 1}\n"),
    ("Layers", "Out of range", "spec", H + "layers:\n  - conv: {out: 0}\n"),
    ("Layers", "Size limit", "spec", H + "layers:\n  - conv: {out: 100000000}\n"),
    ("Layers", "Unknown activation", "spec", H + "layers:\n  - conv: {out: 8, act: tanh}\n"),
    ("Layers", "Unknown torch call", "spec", H + "layers:\n  - relu: {torch: nn.Relu}\n"),
    (
        "Layers",
        "An expression's comma inside { }",
        "spec",
        H + "layers:\n  - conv: {out: max(8, C)}\n",
    ),
    (
        "Shapes",
        "Groups must divide the channels",
        "spec",
        H + "layers:\n  - conv: {out: 8, groups: 2}\n",
    ),
    (
        "Shapes",
        "Channels grown without end",
        "spec",
        H + "layers:\n  - repeat: {times: 100, layers: [parallel: {merge: concat, branches: "
        "[[], []]}]}\n",
    ),
    (
        "Shapes",
        "Kernel larger than the input",
        "spec",
        H + "layers:\n  - conv: {out: 8, k: 40, pad: 0}\n",
    ),
    (
        "Shapes",
        "Add of unequal shapes",
        "spec",
        H + "layers:\n  - residual:\n      layers: [conv: {out: 8}]\n",
    ),
    (
        "Shapes",
        "Concat of unequal sizes",
        "spec",
        H
        + "layers:\n  - parallel:\n      merge: concat\n      branches: [[], [maxpool: {k: 2}]]\n",
    ),
    (
        "Shapes",
        "Channel split that does not divide",
        "spec",
        H + "layers:\n  - parallel:\n      split: true\n      merge: concat\n"
        "      branches: [[], []]\n",
    ),
    ("Shapes", "Shuffle groups", "spec", H + "layers:\n  - shuffle: {groups: 2}\n"),
    (
        "Shapes",
        "Pool padding beyond half the kernel",
        "spec",
        H + "layers:\n  - maxpool: {k: 1, stride: 1, pad: 16}\n",
    ),
    (
        "Shapes",
        "Transposed convolution with pad same",
        "spec",
        H + "layers:\n  - deconv: {out: 8, k: 4, stride: 2, pad: same}\n",
    ),
    (
        "Shapes",
        "Output padding too large",
        "spec",
        H + "layers:\n  - deconv: {out: 8, k: 3, stride: 2, output_padding: 2}\n",
    ),
    ("Shapes", "Upsample without a size", "spec", H + "layers:\n  - upsample\n"),
    (
        "Shapes",
        "Upsampled beyond the size limit",
        "spec",
        H + "layers:\n  - upsample: {scale_factor: 1000000}\n",
    ),
    (
        "Expressions",
        "Unknown name",
        "spec",
        H + "params: {width: 1.0}\nlayers:\n  - conv: {out: int(32 * widht)}\n",
    ),
    ("Expressions", "Not allowed", "spec", H + "layers:\n  - conv: {out: \"__import__('os')\"}\n"),
    ("Expressions", "Cannot parse", "spec", H + 'layers:\n  - conv: {out: "8 +"}\n'),
    (
        "Expressions",
        "Missing table entry",
        "spec",
        H + 'params: {table: {1: 8}}\nlayers:\n  - conv: {out: "table[2]"}\n',
    ),
    ("Expressions", "Division by zero", "spec", H + "layers:\n  - conv: {out: C // 0}\n"),
    ("Expressions", "Too large", "spec", H + "layers:\n  - conv: {out: 10 ** 20}\n"),
    ("Expressions", "Operator not allowed", "spec", H + 'layers:\n  - conv: {out: "~8"}\n'),
    (
        "Expressions",
        "Function argument out of range",
        "spec",
        H + 'layers:\n  - conv: {out: "round(8, -10**9)"}\n',
    ),
    (
        "Expressions",
        "Function argument not whole",
        "spec",
        H + 'layers:\n  - conv: {out: "make_divisible(C, 0.5)"}\n',
    ),
    ("Expressions", "Number of arguments", "spec", H + 'layers:\n  - conv: {out: "max()"}\n'),
    ("Expressions", "Not a real number", "spec", H + 'layers:\n  - conv: {out: "(-8) ** 0.5"}\n'),
    ("Expressions", "Power too large", "spec", H + 'layers:\n  - conv: {out: "1e18 ** 64"}\n'),
    ("Expressions", "A value that is not finite", "spec", H + "layers:\n  - conv: {out: 1e999}\n"),
    (
        "Expressions",
        "A condition that is not true or false",
        "spec",
        H + "layers:\n  - relu: {when: 3}\n",
    ),
    (
        "Structure",
        "An unknown name in from",
        "spec",
        H + "layers:\n  - conv: {out: 8, name: stream}\n  - relu: {from: steam}\n",
    ),
    (
        "Structure",
        "Several inputs to a layer that takes one",
        "spec",
        H + "layers:\n  - conv: {out: 8, name: a}\n  - conv: {out: 8, from: [a, input]}\n",
    ),
    (
        "Expressions",
        "A shortcut condition that is not true or false",
        "spec",
        H + "layers:\n  - residual: {shortcut_when: C, layers: [relu]}\n",
    ),
    (
        "Structure",
        "Bad merge",
        "spec",
        H + "layers:\n  - parallel: {merge: sum, branches: [[], []]}\n",
    ),
    (
        "Structure",
        "One branch",
        "spec",
        H + "layers:\n  - parallel: {merge: add, branches: [[]]}\n",
    ),
    ("Structure", "Repeat count", "spec", H + "layers:\n  - repeat: {times: 0, layers: [relu]}\n"),
    (
        "Structure",
        "Too many layers",
        "spec",
        H + "layers:\n  - repeat:\n      times: 1000\n"
        "      layers: [repeat: {times: 1000, layers: [relu]}]\n",
    ),
    (
        "Structure",
        "Too much work for the layers made",
        "spec",
        H + "layers:\n  - repeat:\n      times: 100000\n"
        "      layers: [repeat: {times: 100000, layers: [relu: {when: false}]}]\n",
    ),
    (
        "Structure",
        "A layer that is not one kind",
        "spec",
        H + "layers:\n  - conv: {out: 8}\n    k: 3\n",
    ),
    (
        "Blocks",
        "Missing block argument",
        "spec",
        H + "blocks:\n  b:\n    args: {out: required}\n    layers: [conv: {out: out}]\n"
        "layers:\n  - b\n",
    ),
    (
        "Blocks",
        "Unknown block argument",
        "spec",
        H + "blocks:\n  b:\n    args: {out: 8}\n    layers: [conv: {out: out}]\n"
        "layers:\n  - b: {ot: 8}\n",
    ),
    (
        "Blocks",
        "A block using itself",
        "spec",
        H + "blocks:\n  b:\n    layers: [b]\nlayers:\n  - b\n",
    ),
    (
        "Blocks",
        "A block named like a kind",
        "spec",
        H + "blocks:\n  conv:\n    layers: [relu]\nlayers: [relu]\n",
    ),
    (
        "Blocks",
        "A reserved argument name",
        "spec",
        H + "blocks:\n  b:\n    args: {C: 3}\n    layers: [relu]\nlayers: [b]\n",
    ),
    (
        "Blocks",
        "An error inside a block",
        "spec",
        H + "blocks:\n  b:\n    layers:\n      - conv: {out: 8, groups: 5}\n"
        "layers:\n  - b: {name: first}\n",
    ),
    ("Command line", "Unknown param", "cmd", "convcost analyze mobilenet_v1 --set widht=0.5"),
    ("Command line", "Malformed --set", "cmd", "convcost analyze mobilenet_v1 --set width"),
    (
        "Command line",
        "A --set value that is not an expression",
        "cmd",
        "convcost analyze mobilenet_v1 --set width=abc",
    ),
    (
        "Command line",
        "A param value the network cannot take",
        "cmd",
        "convcost analyze shufflenet --set groups=5",
    ),
    (
        "Command line",
        "A number for a true/false param",
        "cmd",
        "convcost analyze resnet50 --set stride_in_3x3=2",
    ),
    (
        "Command line",
        "true/false for a numeric param",
        "cmd",
        "convcost analyze mobilenet_v1 --set width=true",
    ),
    ("Command line", "Malformed NAME@params", "cmd", "convcost compare vgg16@width"),
    ("Command line", "--all with names", "cmd", "convcost compare vgg16 --all"),
    ("Command line", "Bad --format", "cmd", "convcost analyze vgg16 -f xml"),
    ("Command line", "Bad --in", "cmd", "convcost layer conv --in 64x64 --out 8"),
    (
        "Command line",
        "layer: a shape over the size limit",
        "cmd",
        "convcost layer conv --in 64x64x100000000 --out 8",
    ),
    (
        "Command line",
        "layer: a size over the limit",
        "cmd",
        "convcost layer conv --in 64x64x3 --out 1000000000",
    ),
    (
        "Command line",
        "layer: padding over the size limit",
        "cmd",
        "convcost layer conv --in 64x64x3 --out 8 -p 0,100000000",
    ),
    ("Command line", "layer without --out", "cmd", "convcost layer dwsep --in 64x64x3"),
    ("Command line", "pw with a kernel", "cmd", "convcost layer pw --in 64x64x3 --out 8 -k 3"),
    ("Command line", "dw changing channels", "cmd", "convcost layer dw --in 64x64x3 --out 4"),
    (
        "Command line",
        "groups on other kinds",
        "cmd",
        "convcost layer dwsep --in 64x64x4 --out 8 -g 2",
    ),
    ("Command line", "Unwritable --output", "cmd", "convcost list -o nowhere/list.txt"),
    (
        "Command line",
        "check: an amount of too many digits",
        "cmd",
        "convcost check mobilenet_v1 --max-macs 1" + "0" * 100,
    ),
    ("Command line", "--output a directory", "cmd", "convcost list -o nets"),
    ("Command line", "--output a missing directory", "cmd", "convcost list -o nowhere/"),
    ("Command line", "plot: an unknown image format", "cmd", "convcost plot -o zoo.gif"),
    (
        "Command line",
        "plot: the same metric twice",
        "cmd",
        "convcost plot --x macs --y macs -o a.png",
    ),
    ("Command line", "plot: latency without a device", "cmd", "convcost plot --x latency -o a.png"),
    (
        "Command line",
        "plot: no published accuracy",
        "cmd",
        "convcost plot mobilenet_v1@width=0.3 --y top1 -o a.png",
    ),
    ("Devices", "Unknown device", "cmd", "convcost analyze vgg16 --device gpus"),
    ("Devices", "Bad profile value", "cmddev", "convcost analyze vgg16 --device my-phone.yaml"),
    ("Devices", "Unknown precision", "cmd", "convcost analyze vgg16 --precision fp64"),
    ("Devices", "A directory as a profile", "cmd", "convcost analyze vgg16 --device nets/"),
    ("Sweeps", "A range of fractions", "cmd", "convcost sweep mobilenet_v1 --set width=0.1..0.5"),
    ("Sweeps", "Unknown name in a value", "cmd", "convcost sweep mobilenet_v1 --set width=abc"),
    (
        "Sweeps",
        "Too many points",
        "cmd",
        "convcost sweep mobilenet_v1 --set width=0..1000000000000",
    ),
    ("Sweeps", "Every point failed", "cmd", "convcost sweep shufflenet_v1 --set groups=5,6"),
]

INTRO = """# Error catalogue

Every message convcost prints for bad input, with an input that triggers it. All of them go to
standard error and start with `error:` (usage errors caught by click itself print the usage line
first and `Error:`), name the file, line and column (and the layer path) where there is one, add
the source line with a caret and a hint where that helps, and exit with status 2.
`tests/test_errors_doc.py` runs every example below and checks the first line of the message is
exactly the one shown. Spec examples are saved as `net.yaml` and run with
`convcost analyze net.yaml`.
"""
SETUP = {
    "cmdbin": "(`latin1.yaml` holds `name: café` in Latin-1.)",
    "cmdbig": "(`huge.yaml` is over 4 MiB.)",
    "cmddev": "(`my-phone.yaml` is a device profile with `bandwidth_gbs: -5`.)",
}


def set_up(folder: Path) -> None:
    """The files the command examples read (tests/test_errors_doc.py makes the same ones)."""
    (folder / "latin1.yaml").write_bytes("name: café\n".encode("latin-1"))
    (folder / "nets").mkdir()
    (folder / "huge.yaml").write_text("name: t\n" + "# padding\n" * 450_000)
    (folder / "my-phone.yaml").write_text(
        "name: my-phone\ntitle: t\nsource: s\npeak_gmacs: {fp32: 10, fp16: 10, int8: 20}\n"
        "bandwidth_gbs: -5\nlaunch_us: 1\n"
    )


def main() -> None:
    out, section = [INTRO], None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        set_up(folder)
        for sec, title, kind, payload in CASES:
            if sec != section:
                out += [f"## {sec}", ""]
                section = sec
            if kind == "spec":
                (folder / "net.yaml").write_text(payload)
                args = ["analyze", "net.yaml"]
            else:
                args = payload.split()[1:]
            r = subprocess.run(
                ["convcost", *args], cwd=folder, capture_output=True, text=True, check=False
            )
            assert r.returncode == 2, (title, r.stdout, r.stderr)
            first = next(x for x in r.stderr.splitlines() if x.lower().startswith("error:"))
            out += [f"### {title}", ""]
            if kind == "spec":
                out += ["```yaml", payload.rstrip("\n"), "```", "", "```text", first, "```", ""]
            else:
                out += [SETUP[kind], ""] if kind in SETUP else []
                out += ["```console", f"$ {payload}", first, "```", ""]
    target = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
    target.write_text("\n".join(out), encoding="utf-8")
    print(f"{len(CASES)} errors written to {target}")


if __name__ == "__main__":
    main()
