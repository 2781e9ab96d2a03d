"""The shipped JSON Schemas (convcost/schemas) describe the real JSON outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

import convcost

FOLDER = Path(convcost.__file__).parent / "schemas"
SCHEMAS = {p.stem: json.loads(p.read_text()) for p in FOLDER.glob("*.json")}
REGISTRY = Registry().with_resources(
    [(s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()]
)


def validate(schema: str, text: str) -> None:
    Draft202012Validator.check_schema(SCHEMAS[schema])
    Draft202012Validator(SCHEMAS[schema], registry=REGISTRY).validate(json.loads(text))


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "mobilenet_v1"],
        ["analyze", "shufflenet_v2", "--by", "category", "--device", "gpu"],
        ["analyze", "googlenet", "--by", "block", "--depth", "2", "--precision", "int8"],
        ["analyze", "resnet50", "--device", "mobile-cpu"],
        ["analyze", "mobilenet_v2", "--convention", "ptflops"],
        ["analyze", "inception_v3", "--convention", "thop", "--by", "category"],
        ["layer", "dwsep", "--in", "64x64x3", "--out", "4"],
        ["layer", "pw", "--in", "56x56x90", "--out", "180", "--bn", "--bias"],
    ],
)
def test_report_schema(run, args):
    validate("report", run(*args, "-f", "json").stdout)


@pytest.mark.parametrize(
    "args",
    [["--all"], ["vgg16", "mobilenet", "--by", "category"], ["vgg16", "--convention", "torch"]],
)
def test_compare_schema(run, args):
    validate("compare", run("compare", *args, "-f", "json").stdout)


def test_explain_schema(run):
    validate("explain", run("explain", "ghostnet", "-f", "json").stdout)


def test_advise_and_check_schemas(run):
    validate("advise", run("advise", "shufflenet", "--set", "groups=8", "-f", "json").stdout)
    validate(
        "check",
        run(
            "check", "mobilenet_v1", "--max-macs", "500M", "--expect", "params=4.5M", "-f", "json"
        ).stdout,
    )


def test_schemas_reject_a_float_count(run):
    data = json.loads(run("analyze", "vgg16", "-f", "json").stdout)
    data["totals"]["macs"] = 1.5
    with pytest.raises(ValidationError) as refused:  # whatever jsonschema's wording
        validate("report", json.dumps(data))
    assert list(refused.value.absolute_path) == ["totals", "macs"]
    assert refused.value.validator == "type"
