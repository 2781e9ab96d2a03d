"""Files of every kind: inputs are read bounded (devices, pipes, huge files, folders), and `-o`
writes regular files atomically and anything else in place, with no temporary file left behind.

The CLI runs in a subprocess with a timeout and a cap on its address space, so a hang or an
unbounded read fails the test instead of stalling the suite or the machine. Device nodes are
made in tmp_path with os.mknod (root only), never the machine's own /dev files."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convcost.limits import MAX_SPEC_BYTES

SPEC = "name: t\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - conv: {out: 8, k: 3}\n"
MEMORY = 2**30
"""Address space allowed to a convcost run: far more than it needs, far less than an
unbounded read of /dev/zero takes."""
LIMIT = f"larger than {MAX_SPEC_BYTES:,} bytes"


def cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def cli(
    *args: str | bytes, cwd: Path | str | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[bytes]:
    """`convcost ARGS...` in a subprocess, capped in memory and time."""
    return subprocess.run(
        [sys.executable, "-m", "convcost", *args],
        capture_output=True,
        cwd=cwd,
        timeout=timeout,
        preexec_fn=cap_memory,
        stdin=subprocess.DEVNULL,
    )


def shown(name: str | bytes) -> bytes:
    """A file name as convcost's messages on standard error show it."""
    return os.fsdecode(name).encode("utf-8", "backslashreplace")


def refused(result: subprocess.CompletedProcess[bytes], message: str | bytes) -> bytes:
    """Exit 2 with one `error:` message holding `message`, and no traceback."""
    err = result.stderr
    want = message.encode() if isinstance(message, str) else message
    assert result.returncode == 2 and b"Traceback" not in err, err[-2000:]
    assert err.startswith(b"error: ") and want in err, err[-2000:]
    return err


MACHINE_DEVICES = {3: "/dev/null", 5: "/dev/zero", 9: "/dev/urandom"}
"""The machine's own devices a test may *read* (never write) where it cannot make a node."""


def made_device(folder: Path, name: str, minor: int) -> str | None:
    """A character device (major 1, `minor`: 3 null, 5 zero, 7 full, 9 urandom) made at
    folder/name, or None where this machine allows none (not root, or a nodev mount)."""
    path = folder / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        os.close(os.open(path, os.O_RDONLY))
    except (OSError, AttributeError):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None
    return str(path)


def device(folder: Path, name: str, minor: int) -> str:
    """folder/name reading as /dev/null, /dev/zero or /dev/urandom: a node made there, or a
    symlink to the machine's own device (only read through it, never written)."""
    made = made_device(folder, name, minor)
    if made is not None:
        return made
    os.symlink(MACHINE_DEVICES[minor], folder / name)
    return str(folder / name)


@contextlib.contextmanager
def endless_writer(fifo: str) -> Iterator[None]:
    """A writer feeding `fifo` zeros until nothing reads it any more."""
    keep = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so the writer connects at once
    w = os.open(fifo, os.O_WRONLY)

    def feed() -> None:
        with contextlib.suppress(OSError):
            while True:
                os.write(w, bytes(2**16))

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield
    finally:
        os.close(keep)  # the last reader gone: the writer gets EPIPE
        thread.join(10)
        os.close(w)


@contextlib.contextmanager
def written_pipe(fifo: str, data: bytes) -> Iterator[None]:
    """`fifo` holding `data` (at most a pipe's buffer) from a writer that has finished."""
    keep = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # keeps the data while no one has it
    w = os.open(fifo, os.O_WRONLY)
    os.write(w, data)
    os.close(w)
    try:
        yield
    finally:
        os.close(keep)


# -- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "minor"), [("zero", 5), ("urandom", 9)])
def test_endless_devices_are_read_bounded(tmp_path, name, minor):
    path = device(tmp_path, name, minor)
    start = time.monotonic()
    refused(cli("analyze", path), f"error: cannot read {path}: {LIMIT}")
    refused(
        cli("analyze", "vgg16", "--device", path),
        f"error: cannot read device profile {path}: {LIMIT}",
    )
    assert time.monotonic() - start < 20


def test_pipe_fed_forever_is_read_bounded(tmp_path):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    with endless_writer(fifo):
        refused(cli("analyze", fifo), f"error: cannot read {fifo}: {LIMIT}")
    with endless_writer(fifo):
        refused(cli("analyze", "vgg16", "--device", fifo), f"cannot read device profile {fifo}")


def test_pipe_without_writer_is_an_error_at_once(tmp_path):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    start = time.monotonic()
    refused(cli("analyze", fifo, timeout=20), f"error: cannot read {fifo}: it is a pipe")
    refused(
        cli("analyze", "vgg16", "--device", fifo, timeout=20),
        f"error: cannot read device profile {fifo}: it is a pipe",
    )
    assert time.monotonic() - start < 10  # no wait for a writer
    # a pipe with a writer still works: one that has finished, and a slow one (bash's <(...))
    with written_pipe(fifo, SPEC.encode()):
        result = cli("analyze", fifo, "-f", "json")
    assert result.returncode == 0 and json.loads(result.stdout)["totals"]["macs"] == 8 * 8 * 8 * 27
    bash = shutil.which("bash")
    if bash:
        (tmp_path / "net.yaml").write_text(SPEC)
        python = shlex.quote(sys.executable)
        command = f"{python} -m convcost analyze <(sleep 1; cat net.yaml) -f json"
        result = subprocess.run(
            [bash, "-c", command], cwd=tmp_path, capture_output=True, timeout=30
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["totals"]["macs"] == 8 * 8 * 8 * 27


WAIT_SCRIPT = """
import os, sys, threading, time
import convcost.files as files
from convcost.errors import SpecError
from convcost.zoo import read_spec_file
files.PIPE_WAIT_SECONDS, files.PIPE_TOTAL_SECONDS = 0.5, 1.5
fifo = sys.argv[1]
keep = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
w = os.open(fifo, os.O_WRONLY)
def trickle():  # a byte every 0.2 s: never silent for PIPE_WAIT_SECONDS, never done
    for _ in range(50):
        time.sleep(0.2)
        os.write(w, b"#")
if sys.argv[2] == "trickle":
    threading.Thread(target=trickle, daemon=True).start()
start = time.monotonic()
try:
    read_spec_file(fifo)
except SpecError as e:
    print(f"{time.monotonic() - start:.1f}", e)
"""


@pytest.mark.parametrize(
    ("writer", "message", "seconds"),
    [("silent", "nothing came for 0.5 s", 0.5), ("trickle", "not finished after 1.5 s", 1.5)],
)
def test_a_writer_that_never_finishes_is_given_up(tmp_path, writer, message, seconds):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-c", WAIT_SCRIPT, fifo, writer], capture_output=True, timeout=30
    )
    waited, _, said = result.stdout.decode().strip().partition(" ")
    assert said == f"cannot read {fifo}: {message}", result.stderr
    assert seconds <= float(waited) < seconds + 5


def test_a_bare_name_that_is_a_folder_is_a_folder(tmp_path):
    (tmp_path / "adir").mkdir()
    refused(cli("analyze", "adir", cwd=tmp_path), "error: cannot read adir: it is a directory")
    (tmp_path / "vgg16").mkdir()  # a built-in name still wins over a folder of that name
    result = cli("analyze", "vgg16", "-f", "json", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["totals"]["params"] == 138_357_544


# -- any file, any content: a result or one message naming it ---------------------------------

KINDS = [
    "regular",
    "symlink",
    "dangling symlink",
    "directory",
    "huge sparse",
    "pipe, finished writer",
    "pipe, no writer",
    "zero device",
    "null device",
]
CONTENTS = {
    "spec": SPEC.encode(),
    "empty": b"",
    "bad yaml": b"name: t\nlayers: [\n",
    "garbage": bytes(range(256)) * 3,
    "latin-1": "name: café\n".encode("latin-1"),
    "nul bytes": b"\x00" * 1000,
}
NAMES = ["net.yaml", "net", "a b.yml", "sub/net.yaml", b"\xff\xfe.yaml", b"caf\xe9"]


def make(folder: Path, kind: str, name: str | bytes, data: bytes) -> contextlib.ExitStack:
    """Make `name` in `folder` a file of `kind` holding `data`; the stack closes what it needs."""
    stack = contextlib.ExitStack()
    path = os.path.join(os.fsencode(folder), os.fsencode(name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if kind == "regular":
        Path(os.fsdecode(path)).write_bytes(data)
    elif kind == "symlink":
        (folder / "target.bin").write_bytes(data)
        os.symlink(folder / "target.bin", path)
    elif kind == "dangling symlink":
        os.symlink(folder / "nowhere", path)
    elif kind == "directory":
        os.mkdir(path)
    elif kind == "huge sparse":
        with open(path, "wb") as f:
            f.truncate(2**33)  # 8 GiB, nothing on disk
    elif kind.startswith("pipe"):
        os.mkfifo(path)
        if kind == "pipe, finished writer":
            stack.enter_context(written_pipe(os.fsdecode(path), data))
    else:
        where, base = (os.fsdecode(p) for p in os.path.split(path))
        device(Path(where), base, 5 if kind == "zero device" else 3)
    return stack


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(KINDS),
    content=st.sampled_from(sorted(CONTENTS)),
    name=st.sampled_from(NAMES),
)
def test_any_file_is_a_result_or_one_message_naming_it(kind, content, name):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with make(folder, kind, name, CONTENTS[content]):
            start = time.monotonic()
            result = cli("analyze", name, "-f", "json", cwd=folder, timeout=20)
            took = time.monotonic() - start
    readable = kind in ("regular", "symlink", "pipe, finished writer")
    if readable and content == "spec":
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["totals"]["macs"] == 8 * 8 * 8 * 27
    else:
        refused(result, shown(name))
    assert took < 15


# -- writing ----------------------------------------------------------------------------------


def test_output_to_a_device_writes_it_in_place(tmp_path):
    # a pseudo-terminal's slave is a character device any user has: written, not replaced
    master, slave = os.openpty()
    shown: list[bytes] = []

    def drain() -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(master, 65536):
                shown.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        tty = os.ttyname(slave)
        os.symlink(tty, tmp_path / "terminal")
        assert cli("list", "-o", str(tmp_path / "terminal")).returncode == 0
        assert stat.S_ISCHR(os.stat(tty).st_mode)  # still the device
        assert os.listdir(tmp_path) == ["terminal"]  # no temporary file left here
    finally:
        os.close(slave)
        os.close(master)
        reader.join(10)
    assert b"mobilenet_v1" in b"".join(shown)
    null = made_device(tmp_path, "null", 3)
    if null is not None:  # as root: a /dev/null of its own, too
        assert cli("list", "-o", null).returncode == 0
        assert stat.S_ISCHR(os.lstat(null).st_mode)


def test_a_write_error_in_place_is_exit_2(tmp_path):
    # ENOSPC from a /dev/full of its own (as root); EPIPE from a pipe whose reader leaves
    # (anyone): exit 2 with the message, and the file is still what it was
    full = made_device(tmp_path, "full", 7)
    if full is not None:
        refused(cli("list", "-o", full), f"error: cannot write {full}: ")
        assert stat.S_ISCHR(os.lstat(full).st_mode)
    fifo = str(tmp_path / "pipe")
    os.mkfifo(fifo)

    def leave() -> None:  # opens, reads nothing, closes: the writer gets EPIPE
        os.close(os.open(fifo, os.O_RDONLY))

    reader = threading.Thread(target=leave, daemon=True)
    reader.start()
    big = ["sweep", "mobilenet_v1", "--set", "resolution=32..5000", "-f", "json"]  # > a pipe
    refused(cli(*big, "-o", fifo), f"error: cannot write {fifo}: ")
    reader.join(10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == sorted(["pipe", *(["full"] if full else [])])


def test_output_through_a_symlink_writes_its_target(tmp_path):
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "real.json"
    real.write_text("old\n")
    real.chmod(0o640)
    owner = (os.getuid(), os.getgid())
    with contextlib.suppress(PermissionError):  # where allowed (root): the owner is kept too
        os.chown(real, 12345, 12345)
        owner = (12345, 12345)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    hop = tmp_path / "hop.json"
    hop.symlink_to(link)  # a chain of links
    for path in (link, hop):
        assert cli("list", "-f", "json", "-o", str(path)).returncode == 0
        assert link.is_symlink() and hop.is_symlink()
        assert json.loads(real.read_text())[0]["name"]
        assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the file keeps its mode
        assert (real.stat().st_uid, real.stat().st_gid) == owner
        real.write_text("old\n")
    assert sorted(os.listdir(tmp_path / "data")) == ["real.json"]
    assert sorted(os.listdir(tmp_path)) == ["data", "hop.json", "link.json"]


def test_output_to_a_pipe_writes_into_it(tmp_path):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = cli("list", "-f", "csv", "-o", fifo)
        got = os.read(reader, 2**16)
    finally:
        os.close(reader)
    assert result.returncode == 0, result.stderr
    assert got.startswith(b"name,") and b"mobilenet_v1" in got
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["fifo"]


def test_output_to_a_pipe_nobody_reads_gives_up(tmp_path, monkeypatch):
    from convcost.cli.output import write_atomic
    from convcost.errors import ConvcostError

    monkeypatch.setattr("convcost.files.PIPE_WAIT_SECONDS", 0.3)
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(ConvcostError, match="nothing read from this pipe"):
        write_atomic(fifo, "text\n")
    assert time.monotonic() - start < 5 and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_to_a_folder_is_refused(tmp_path):
    (tmp_path / "adir").mkdir()
    refused(cli("list", "-o", "adir", cwd=tmp_path), "error: cannot write adir: it is a directory")
    refused(cli("list", "-o", "new/", cwd=tmp_path), "error: cannot write new/: no such directory")
    assert sorted(os.listdir(tmp_path)) == ["adir"] and not os.listdir(tmp_path / "adir")


def test_file_names_that_are_not_utf8(tmp_path):
    spec = os.path.join(os.fsencode(tmp_path), b"\xff.yaml")
    Path(os.fsdecode(spec)).write_text(SPEC)
    out = os.path.join(os.fsencode(tmp_path), b"\xfe.csv")
    for fmt in ("csv", "table", "markdown", "json"):
        result = cli("compare", spec, "-f", fmt, "-o", out)
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
        text = Path(os.fsdecode(out)).read_bytes()
        assert b"\\xff.yaml" in text  # written as \xff: the output stays valid UTF-8
        text.decode("utf-8")
    refused(cli("list", "-o", b"/nowhere\xff/x.csv"), shown(b"/nowhere\xff/x.csv"))
    refused(cli("analyze", b"missing\xff.yaml", cwd=tmp_path), shown(b"missing\xff.yaml"))


SWEEP = ["sweep", "mobilenet_v1", "--set", "resolution=32..50000", "-f", "json", "-o", "out.json"]
"""A sweep whose JSON (megabytes) takes a while to write."""


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["TERM", "INT", "HUP"]
)
def test_an_interrupted_write_leaves_no_temporary_file(tmp_path, signum):
    out = tmp_path / "out.json"
    out.write_text("old\n")
    for _ in range(5):  # until the signal lands while the temporary file is being written
        proc = subprocess.Popen(
            [sys.executable, "-m", "convcost", *SWEEP],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # a shell runs background jobs with SIGINT ignored, and Python then never raises
            # KeyboardInterrupt: give the child the default, as a terminal's foreground has
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 120
        caught = False
        while proc.poll() is None and time.monotonic() < deadline:
            tmps = glob.glob(str(tmp_path / ".convcost-*.tmp"))
            if tmps and os.path.getsize(tmps[0]) > 0:
                proc.send_signal(signum)
                caught = True
                break
            time.sleep(0.002)
        err = proc.communicate(timeout=60)[1]
        if caught and proc.returncode != 0:
            break
        out.write_text("old\n")  # it finished first: try again
    else:
        pytest.fail("the signal never arrived while the output was being written")
    assert b"Traceback" not in err, err[-2000:]
    if signum != signal.SIGINT:  # Ctrl-C is click's "Aborted!"; the others end the process
        assert proc.returncode == -signum
    assert sorted(os.listdir(tmp_path)) == ["out.json"] and out.read_text() == "old\n"
