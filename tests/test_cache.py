"""The per-user cache of the built-ins' reports (convcost/cache.py): a hit gives exactly the
computed report, and anything wrong with the cache means computing, never an error or a hang."""

from __future__ import annotations

import json
import os
import pickle
import stat
import threading
from pathlib import Path

import pytest

from convcost import cache
from convcost.expand import analyze
from convcost.zoo import builtin, builtin_names


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache on, in a folder of the test's own (not yet created)."""
    monkeypatch.delenv("CONVCOST_NO_CACHE")
    monkeypatch.setenv("CONVCOST_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def fill(name: str = "mobilenet_v1") -> None:
    cache.builtin_report(name)


@pytest.mark.parametrize("name", builtin_names())
def test_a_hit_is_the_computed_report(name, folder, monkeypatch):
    computed = analyze(builtin(name))
    assert cache.builtin_report(name) == computed  # a miss: computed and stored
    assert (folder / f"{name}.pickle").is_file()
    monkeypatch.setattr(cache, "_computed", lambda n: pytest.fail(f"{n} computed again"))
    hit = cache.builtin_report(name)
    assert hit == computed
    assert all(x.facts is y.facts for x, y in zip(hit.layers, computed.layers, strict=True))


def test_the_folder_and_files_are_private(folder):
    fill()
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE((folder / "mobilenet_v1.pickle").stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["mobilenet_v1.pickle"]  # no temp left


def test_a_changed_key_recomputes_and_replaces(folder, monkeypatch):
    fill()
    monkeypatch.setattr(cache, "_sources", lambda: (("layers.py", 1, 2),))  # an edited source
    calls = []
    real = cache._computed
    monkeypatch.setattr(cache, "_computed", lambda n: calls.append(n) or real(n))
    assert cache.builtin_report("mobilenet_v1") == analyze(builtin("mobilenet_v1"))
    assert calls == ["mobilenet_v1"]
    cache.builtin_report("mobilenet_v1")
    assert calls == ["mobilenet_v1"]  # stored under the new key: a hit now


def test_the_key_covers_every_module_and_the_spec():
    names = {path for path, _, _ in cache._sources()}
    assert {"cache.py", "layers.py", os.path.join("render", "compare.py")} <= names
    assert b"mobilenet" in cache._key("mobilenet_v1")[-1]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a pickle",
        pickle.dumps(("key", "not a report")),
        pickle.dumps(os.system),  # a global that is no part of a report: never looked up
        b"\x80\x05" + b"\xff" * 100,
    ],
    ids=["empty", "garbage", "not-a-report", "foreign-global", "truncated"],
)
def test_a_damaged_file_is_a_miss(content, folder):
    folder.mkdir(mode=0o700)
    (folder / "mobilenet_v1.pickle").write_bytes(content)
    os.chmod(folder / "mobilenet_v1.pickle", 0o600)
    assert cache.builtin_report("mobilenet_v1") == analyze(builtin("mobilenet_v1"))


def test_a_file_others_may_write_is_not_read(folder):
    fill()
    os.chmod(folder / "mobilenet_v1.pickle", 0o666)
    key = cache._key("mobilenet_v1")
    assert cache._read(str(folder / "mobilenet_v1.pickle"), key) is None
    os.chmod(folder / "mobilenet_v1.pickle", 0o600)
    assert cache._read(str(folder / "mobilenet_v1.pickle"), key) is not None


def test_a_folder_others_may_write_is_not_written(folder):
    folder.mkdir()
    os.chmod(folder, 0o777)
    fill()
    assert list(folder.iterdir()) == []


def test_a_fifo_in_place_of_the_file_does_not_hang(folder):
    folder.mkdir(mode=0o700)
    os.mkfifo(folder / "mobilenet_v1.pickle", 0o600)
    done = threading.Event()
    result = []

    def target() -> None:
        result.append(cache.builtin_report("mobilenet_v1"))
        done.set()

    threading.Thread(target=target, daemon=True).start()
    assert done.wait(30), "reading the cache hung on a FIFO"
    assert result == [analyze(builtin("mobilenet_v1"))]


def test_an_unusable_folder_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.delenv("CONVCOST_NO_CACHE")
    monkeypatch.setenv("CONVCOST_CACHE_DIR", str(blocker / "cache"))
    assert cache.builtin_report("alexnet") == analyze(builtin("alexnet"))
    assert blocker.read_text() == "not a folder"


def test_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVCOST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CONVCOST_NO_CACHE", "1")
    fill()
    assert not (tmp_path / "cache").exists()


def test_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVCOST_NO_CACHE")
    monkeypatch.delenv("CONVCOST_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fill("alexnet")
    assert (tmp_path / "convcost" / "alexnet.pickle").is_file()


def test_the_cli_gives_the_same_output_from_the_cache(folder, run, monkeypatch):
    commands = [
        ["compare", "--all", "-f", "json"],
        ["compare"],
        ["analyze", "mobilenet", "-f", "json"],  # an alias
        ["advise", "shufflenet_v2", "-f", "json"],
        ["list", "-f", "json"],
    ]
    monkeypatch.setenv("CONVCOST_NO_CACHE", "1")
    fresh = [run(*args) for args in commands]
    monkeypatch.delenv("CONVCOST_NO_CACHE")
    assert run("compare", "--all").exit_code == 0  # fills the cache
    assert len(list(folder.iterdir())) == len(builtin_names())
    monkeypatch.setattr(cache, "_computed", lambda n: pytest.fail(f"{n} computed"))
    for args, want in zip(commands, fresh, strict=True):
        cached = run(*args)
        assert (cached.exit_code, cached.stdout) == (0, want.stdout), args


def test_params_or_files_are_never_taken_from_the_cache(folder, run, spec_file, monkeypatch):
    fill()
    monkeypatch.setattr(cache, "_computed", lambda n: pytest.fail(f"{n} computed"))
    at = run("analyze", "mobilenet_v1", "--set", "width=0.5", "-f", "json")
    assert json.loads(at.stdout)["totals"]["macs"] < 569_000_000 // 2
    path = spec_file(
        builtin_path("mobilenet_v1").read_text().replace("classes: 1000", "classes: 10")
    )
    mine = run("analyze", path, "-f", "json")
    assert mine.exit_code == 0
    assert json.loads(mine.stdout)["totals"]["params"] < 4_231_976  # its fc is not the built-in's


def builtin_path(name: str) -> Path:
    from convcost.zoo import specs_dir

    return Path(specs_dir()) / f"{name}.yaml"
