"""The location-keeping YAML reader (convcost/yamlnodes.py), shared by specs and device profiles.

A text is composed once when no tag or alias can begin in it; any other text is read as events
first. Both ways must give the same tree and the same first error, at the same place.
"""

from __future__ import annotations

import contextlib

import pytest
import yaml

from convcost import yamlnodes
from convcost.errors import SpecError
from convcost.limits import MAX_DEPTH
from convcost.spec import load_spec
from convcost.yamlnodes import PROPERTY, Composer, Reader, compose

HEAD = "name: t\ninput: {c: 3, h: 8, w: 8}\n"

TEXTS = [
    HEAD + "layers: [relu]\n",
    HEAD + "layers:\n  - conv: {out: 8, k: 3, when: C != 4}\n  - relu\n",
    HEAD + "params: {a: 2}\nlayers:\n  - conv: {out: 2 * a}\n",
    HEAD + "layers: [conv: {out: !!int 8}]\n",  # a tag
    HEAD + "layers: [conv: {out: ! 8}]\n",  # the non-specific tag
    HEAD + "layers: &a [relu]\nextra: *a\n",  # an alias, and an unknown key before it
    HEAD + "params: {a: &a [1, 2], b: *a}\nlayers: [relu]\n",
    HEAD + "layers: [conv: {out: !!int 8}]\nbad: [\n",  # a tag before a syntax error
    HEAD + "layers: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\nbad: [\n",
    HEAD + "layers: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n",
    HEAD + "layers: " + "[" * 2000 + "]" * 2000 + "\n",
    HEAD + "layers: [relu]\nlayers: [relu]\n",  # a duplicate key
    HEAD + "layers:\n- - - - relu\n",
    HEAD + "layers: [relu\n",
    "",
]


def outcome(text: str) -> str:
    """What reading `text` as a spec gives: its layers, or its error with place and hint."""
    try:
        return repr(load_spec(text, "t.yaml").layers)
    except SpecError as e:
        return e.format(text)


@pytest.mark.parametrize("text", TEXTS)
def test_composed_once_or_read_as_events_alike(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    once = outcome(text)
    # as with a libyaml that does not bound nesting: every text read as events first
    monkeypatch.setattr(yamlnodes, "_nesting_bounded", lambda: False)
    assert outcome(text) == once


def test_the_c_loader_bounds_nesting_here() -> None:
    # this PyYAML's libyaml refuses nesting past 1,000 levels: texts are composed once
    assert yamlnodes._nesting_bounded() is (yamlnodes.Loader is not yaml.SafeLoader)


@pytest.mark.parametrize(
    "text",
    ["a: !!int 8", "- !x a", "[!x a]", "k: &a !t x", "--- !x", "a:\n  *b", "{a: 1,*b}", "- *a"],
)
def test_where_a_tag_or_alias_may_begin(text: str) -> None:
    assert PROPERTY.search("\n" + text)


@pytest.mark.parametrize(
    "text", ["when: stride != 1", "out: 2 * c", "out: int(32*width)", "x: 2 ** 3"]
)
def test_expressions_are_no_tags_or_aliases(text: str) -> None:
    assert not PROPERTY.search("\n" + text)
    assert compose(text, "t.yaml").aliases is False


def test_depth_counts_collections() -> None:
    assert yamlnodes._depth(None) == 0
    assert yamlnodes._depth(yaml.compose("a", Loader=Composer)) == 0
    assert yamlnodes._depth(yaml.compose("a: [[1], {b: [2]}]", Loader=Composer)) == 4
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    assert yamlnodes._depth(yaml.compose(deep, Loader=Composer)) == MAX_DEPTH + 1  # stops there


def test_composer_resolves_as_pyyaml() -> None:
    text = "a: [1, 1.5, true, null, x, '1', 2001-01-01, 0x10, 1_000, .inf, ~, '']\n"
    theirs = yaml.compose(text, Loader=yamlnodes.Loader)
    ours = yaml.compose(text, Loader=Composer)
    assert [n.tag for n in ours.value[0][1].value] == [n.tag for n in theirs.value[0][1].value]


def test_the_tags_of_a_text_are_not_kept_after_it() -> None:
    """Tags are resolved through a cache (one resolution per distinct scalar); it is emptied
    once the text is composed, so no process keeps more than one text's scalars."""
    long = "x" * 100_000
    for text in (f"a: [{long}, 3, 3, 3]\n", f"a: !!str {long}\n", "a: [\n"):
        with contextlib.suppress(SpecError):
            compose(text, "t.yaml")
        assert yamlnodes._tag.cache_info().currsize == 0


def test_reader_keeps_locations_and_refuses_duplicates() -> None:
    reader = Reader("p.yaml", "name: cpu\npeak: {fp32: 8, fp16: 16}\n")
    top = reader.mapping(reader.root, "the profile")
    peak = reader.mapping(top["peak"][1], "peak")
    assert str(reader.value(peak["fp16"][1]).loc) == "p.yaml:2:23"
    assert reader.value(peak["fp16"][1]).raw == 16
    dup = Reader("p.yaml", "name: a\nname: b\n")
    with pytest.raises(
        SpecError, match="duplicate key 'name' in the profile \\(first at line 1\\)"
    ):
        dup.mapping(dup.root, "the profile")
