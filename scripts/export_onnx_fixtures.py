"""Export torchvision CNNs to ONNX graph-only fixtures, with their exact conv+fc counts in torch.

Runs only in a separate venv that has PyTorch, never in the project's own venv (torch, torchvision,
onnx, onnxscript and onnxruntime are not test or CI dependencies of convcost):

    python3 -m venv /work/torchvenv
    /work/torchvenv/bin/pip install torch==2.14.1 torchvision==0.29.1 onnx onnxscript onnxruntime
    /work/torchvenv/bin/python scripts/export_onnx_fixtures.py [--models resnet18 ...]

For each model it builds the torchvision network with random weights (``weights=None``) in eval
mode and exports it with both of PyTorch's exporters:

* ``ts13``: the TorchScript exporter, ``torch.onnx.export(..., dynamo=False, opset_version=13)``;
* ``dynamo18``: the dynamo exporter, ``torch.onnx.export(..., dynamo=True, opset_version=18)``;

at 1x3x224x224 (Inception v3: 1x3x299x299).

An untrained model's constant-initialised tensors (BatchNorm's and LayerNorm's affine parameters
and running statistics, zero biases, ConvNeXt's layer scale) are first perturbed slightly, as
training would: otherwise the TorchScript exporter shares identical folded tensors through
Identity nodes and the dynamo exporter drops the all-zero biases left by folding BatchNorm into
Conv, which no trained model's export does (``--keep-init`` skips this).

Before the weights are dropped, onnxruntime runs the full export and its output is compared with
torch's. Then the initializers are moved to an external data file
(``convert_model_to_external_data(..., size_threshold=0)``), the graph is saved and the data file
is deleted, so only ``tests/fixtures/onnx/<model>.<exporter>.onnx`` remains: the graph (tens to a
few hundred KiB), whose weights keep their names, types and dims but point at an absent
``<model>.<exporter>.onnx.data``. It must load with ``onnx.load(path, load_external_data=False)``.
The dynamo exporter's per-node ``pkg.torch.onnx.stack_trace`` metadata (Python tracebacks with
this machine's paths, ~40% of the file) is dropped; the rest of its metadata (``namespace``,
``pkg.torch.onnx.name_scopes``, ``class_hierarchy``, ``fx_node``: the module path of every node)
is kept (``--keep-stack-traces`` keeps it all).
Integer initializers are never weights and stay inline: the dynamo exporter's Reshape shapes and
ReduceMean axes (a few bytes each, which onnx's and onnx_ir's default size thresholds would keep
inline too) and ConvNeXt's 6 KiB Gather indices (its adaptive pool's as_strided);
``--all-external`` moves them out too.

It also writes ``tests/fixtures/onnx/torch_counts.json``, the counts the importer's tests assert,
computed in torch with forward hooks, exactly (Python ints), per sample (batch 1):

* conv (Conv1d/2d/3d): kernel volume * C_in/groups * C_out * output positions;
* transposed conv: kernel volume * C_in * C_out/groups * input positions;
* Linear: in_features * out_features * positions (the product of the input's dims between the
  batch and the feature dim: H*W for ConvNeXt's channels-last MLP, 1 for a classifier);
* params: sum of p.numel() over the model's parameters (BatchNorm's running statistics are
  buffers, not parameters);
* layers: [module name, module type, MACs] for every such call, in execution order.

An exporter that fails on a model is reported (stderr and ``_export_errors`` in the JSON) and the
script goes on; its exit status is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime
import onnxscript
import torch
import torchvision
import torchvision.models as tvm
from onnx.external_data_helper import convert_model_to_external_data
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "onnx"

MODELS: dict[str, tuple[Callable[[], nn.Module], int]] = {
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(weights=None), 224),
    "resnet18": (lambda: tvm.resnet18(weights=None), 224),
    "shufflenet_v2_x1_0": (lambda: tvm.shufflenet_v2_x1_0(weights=None), 224),
    "squeezenet1_0": (lambda: tvm.squeezenet1_0(weights=None), 224),
    "densenet121": (lambda: tvm.densenet121(weights=None), 224),
    "efficientnet_b0": (lambda: tvm.efficientnet_b0(weights=None), 224),
    "convnext_tiny": (lambda: tvm.convnext_tiny(weights=None), 224),
    "regnet_y_400mf": (lambda: tvm.regnet_y_400mf(weights=None), 224),
    "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(weights=None), 224),
    "inception_v3": (
        lambda: tvm.inception_v3(weights=None, aux_logits=False, init_weights=False),
        299,
    ),
}

EXPORTERS = {
    "ts13": {"dynamo": False, "opset_version": 13},
    "dynamo18": {"dynamo": True, "opset_version": 18},
}

MAX_GRAPH_BYTES = 1024 * 1024  # a graph-only fixture above this has kept weights inline


def counts(model: nn.Module, shape: list[int]) -> dict[str, Any]:
    """Exact conv+fc MACs per sample, params and the per-layer list, from a forward pass."""
    layers: list[list[Any]] = []
    names = {m: n for n, m in model.named_modules()}

    def hook(m: nn.Module, inputs: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        x = inputs[0]
        if isinstance(m, nn.modules.conv._ConvTransposeNd):
            # every input element meets C_out/groups filters of kernel volume
            macs = (
                math.prod(m.kernel_size)
                * m.in_channels
                * (m.out_channels // m.groups)
                * math.prod(x.shape[2:])
            )
        elif isinstance(m, nn.modules.conv._ConvNd):
            macs = (
                math.prod(m.kernel_size)
                * (m.in_channels // m.groups)
                * m.out_channels
                * math.prod(out.shape[2:])
            )
        else:  # nn.Linear, applied at every position between the batch and the feature dim
            macs = m.in_features * m.out_features * math.prod(x.shape[1:-1])
        assert x.shape[0] == 1, "counts are per sample: run with batch 1"
        layers.append([names[m], type(m).__name__, int(macs)])

    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, nn.modules.conv._ConvNd | nn.Linear)
    ]
    with torch.no_grad():
        model(torch.zeros(*shape))
    for h in handles:
        h.remove()
    return {
        "input": shape,
        "macs": sum(x[2] for x in layers),
        "params": sum(p.numel() for p in model.parameters()),
        "layers": layers,
    }


def export(model: nn.Module, x: torch.Tensor, exporter: str, path: Path) -> None:
    """One of PyTorch's two exporters, with everything else at its defaults."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(path), **EXPORTERS[exporter])


def check_ort(model_proto: onnx.ModelProto, x: torch.Tensor, expected: torch.Tensor) -> float:
    """Max abs difference between onnxruntime on the full export and torch, relative to torch's
    largest output."""
    sess = onnxruntime.InferenceSession(
        model_proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (name,) = [i.name for i in sess.get_inputs()]
    got = sess.run(None, {name: x.numpy()})[0]
    want = expected.numpy()
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


def perturb_constants(model: nn.Module) -> None:
    """Make every tensor that its initialiser filled with one value look trained."""
    with torch.no_grad():
        tensors = list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]
        for t in tensors:
            if t.numel() > 0 and bool((t == t.flatten()[0]).all()):
                # 1 -> 0.9..1.1 (running variances stay positive), 0 -> about +-0.01
                t.mul_(1 + 0.1 * (2 * torch.rand_like(t) - 1)).add_(0.01 * torch.randn_like(t))


FLOAT_TYPES = {
    onnx.TensorProto.FLOAT,
    onnx.TensorProto.FLOAT16,
    onnx.TensorProto.BFLOAT16,
    onnx.TensorProto.DOUBLE,
}


def strip_weights(src: Path, dst: Path, all_external: bool, traces: bool) -> onnx.ModelProto:
    """Save src's graph to dst with its weights external, and delete the external file."""
    model = onnx.load(str(src))
    if not traces:
        for node in model.graph.node:
            kept = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
            if len(kept) != len(node.metadata_props):
                del node.metadata_props[:]
                node.metadata_props.extend(kept)
    location = dst.name + ".data"
    data = dst.parent / location
    if data.exists():
        data.unlink()
    cwd = os.getcwd()
    os.chdir(dst.parent)  # convert_model_to_external_data checks `location` against the cwd
    try:
        convert_model_to_external_data(
            model, all_tensors_to_one_file=True, location=location, size_threshold=0
        )
        if not all_external:
            for t in model.graph.initializer:
                if t.data_type not in FLOAT_TYPES:  # keep shapes and sizes in the graph
                    del t.external_data[:]
                    t.data_location = onnx.TensorProto.DEFAULT
        onnx.save(model, str(dst))
    finally:
        os.chdir(cwd)
    if data.exists():
        data.unlink()
    return model


def verify(path: Path) -> onnx.ModelProto:
    """The graph alone loads, is small, and holds no weight bytes."""
    size = path.stat().st_size
    if size > MAX_GRAPH_BYTES:
        raise RuntimeError(f"{path.name}: {size} bytes, weights were not moved out")
    if path.with_name(path.name + ".data").exists():
        raise RuntimeError(f"{path.name}: external data file left behind")
    model = onnx.load(str(path), load_external_data=False)
    inline = [
        t.name
        for t in model.graph.initializer
        if t.data_type in FLOAT_TYPES and t.data_location != onnx.TensorProto.EXTERNAL
    ]
    if inline:
        raise RuntimeError(f"{path.name}: initializers still inline: {inline[:5]}")
    return model


def dump(table: dict[str, Any]) -> str:
    """JSON with one line per layer, so a diff of two runs reads layer by layer."""
    lines = ["{"]
    for i, (key, val) in enumerate(table.items()):
        end = "," if i < len(table) - 1 else ""
        if isinstance(val, dict) and "layers" in val:
            head = {k: v for k, v in val.items() if k != "layers"}
            lines.append(f" {json.dumps(key)}: {{")
            lines += [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
            lines.append('  "layers": [')
            rows = val["layers"]
            lines += [
                f"   {json.dumps(r)}" + ("," if j < len(rows) - 1 else "")
                for j, r in enumerate(rows)
            ]
            lines.append("  ]")
            lines.append(" }" + end)
        else:
            body = json.dumps(val, indent=1).replace("\n", "\n ")
            lines.append(f" {json.dumps(key)}: {body}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--exporters", nargs="*", default=list(EXPORTERS), choices=list(EXPORTERS))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--keep-stack-traces", action="store_true", help="keep dynamo's tracebacks")
    ap.add_argument("--keep-init", action="store_true", help="export the untrained init as is")
    ap.add_argument("--all-external", action="store_true", help="move integer initializers out too")
    args = ap.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)

    counts_path = out / "torch_counts.json"
    table: dict[str, Any] = json.loads(counts_path.read_text()) if counts_path.exists() else {}
    errors: dict[str, str] = dict(table.get("_export_errors", {}))
    for name in args.models:
        build, res = MODELS[name]
        model = build().eval()
        if not args.keep_init:
            perturb_constants(model)
        shape = [1, 3, res, res]
        table[name] = counts(model, shape)
        print(f"{name}: {table[name]['macs']:,} MACs, {table[name]['params']:,} params", flush=True)
        x = torch.randn(*shape)
        with torch.no_grad():
            expected = model(x)
        for exporter in args.exporters:
            key = f"{name}.{exporter}"
            dst = out / f"{key}.onnx"
            errors.pop(key, None)
            t0 = time.perf_counter()
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    src = Path(tmp) / f"{key}.onnx"
                    export(model, x, exporter, src)
                    diff = check_ort(onnx.load(str(src)), x, expected)
                    if diff > 1e-3:
                        raise RuntimeError(f"onnxruntime differs from torch by {diff:g} (relative)")
                    strip_weights(src, dst, args.all_external, args.keep_stack_traces)
                graph = verify(dst)
                print(
                    f"  {exporter}: {dst.stat().st_size / 1024:.1f} KiB, "
                    f"{len(graph.graph.node)} nodes, ort max rel diff {diff:.2g}, "
                    f"{time.perf_counter() - t0:.1f} s",
                    flush=True,
                )
            except Exception as e:  # recorded, and the script goes on
                errors[key] = f"{type(e).__name__}: {e}".strip()[:2000]
                print(f"  {exporter}: FAILED {errors[key]}", file=sys.stderr, flush=True)
                traceback.print_exc(limit=3)
                if dst.exists():
                    dst.unlink()

    table["_versions"] = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx": onnx.__version__,
        "onnxscript": onnxscript.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
    if errors:
        table["_export_errors"] = errors
    else:
        table.pop("_export_errors", None)
    order = [m for m in MODELS if m in table] + sorted(k for k in table if k.startswith("_"))
    table = {k: table[k] for k in order}
    counts_path.write_text(dump(table))
    print(f"wrote {counts_path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
