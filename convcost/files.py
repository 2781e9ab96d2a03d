"""Files: bounded reading of every input (specs, device profiles, standard input), and the
output file of `-o`, written atomically or, if it is no regular file, in place.

Whatever a path names, at most `limit` + 1 bytes are ever read, so no input (a device such as
/dev/zero, a pipe fed forever, a huge sparse file) can take the machine's memory, and none can
hang the run: a pipe is read without blocking (see `read_bytes`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import time
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from convcost.errors import ConvcostError, SpecError
from convcost.limits import MAX_SPEC_BYTES

PIPE_WAIT_SECONDS = 10.0
"""A pipe (or terminal, socket, ...) that sends nothing for this long is an error."""
PIPE_TOTAL_SECONDS = 60.0
"""A pipe not finished after this long is an error, however steadily it trickles."""
CHUNK = 2**16


def too_large(label: str, limit: int) -> SpecError:
    """The error for an input over `limit` bytes."""
    return SpecError(f"cannot read {label}: larger than {limit:,} bytes")


def read_text(
    path: str, label: str | None = None, kind: str = "spec file", limit: int = MAX_SPEC_BYTES
) -> str:
    """The UTF-8 text of the file at `path` (see `read_bytes`); errors say `cannot read LABEL`
    (LABEL defaults to `path`), and a directory is "not a KIND"."""
    label = path if label is None else label
    return decode(read_bytes(path, label, kind, limit), label)


def decode(data: bytes, label: str) -> str:
    """`data` as UTF-8 text; anything else is a SpecError naming `label`."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(f"cannot read {label}: not UTF-8 text (byte {e.start})") from None


def read_bytes(
    path: str, label: str, kind: str = "spec file", limit: int = MAX_SPEC_BYTES
) -> bytes:
    """At most `limit` bytes of whatever `path` names, or a SpecError `cannot read LABEL: ...`.

    Bounded in memory and time for every kind of file:
    - a regular file larger than `limit` is refused from its size, before reading;
    - anything else (a device, a pipe, a socket) is read up to `limit` + 1 bytes, and refused
      if that much came;
    - a directory is refused ("it is a directory, not a KIND");
    - the file is opened without blocking. A pipe (a named FIFO, `<(command)`) with nothing
      writing to it when opened, and nothing in it, is an error at once ("a pipe with nothing
      writing to it"), not a wait for a writer that may never come. While a writer is
      connected, the read waits for data at most PIPE_WAIT_SECONDS at a time and
      PIPE_TOTAL_SECONDS in all, then gives up with an error (so does a terminal).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise SpecError(f"cannot read {label}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"cannot read {label}: it is a directory, not a {kind}") from None
    except OSError as e:
        raise SpecError(f"cannot read {label}: {e.strerror or type(e).__name__}") from None
    try:
        info = os.fstat(fd)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise SpecError(f"cannot read {label}: it is a directory, not a {kind}")
        if stat.S_ISREG(mode) and info.st_size > limit:
            raise too_large(label, limit)
        data = read_fd(fd, label, limit, pipe=stat.S_ISFIFO(mode))
    except OSError as e:
        raise SpecError(f"cannot read {label}: {e.strerror or type(e).__name__}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise too_large(label, limit)
    return data


def read_fd(fd: int, label: str, limit: int, pipe: bool = False) -> bytes:
    """Up to `limit` + 1 bytes from file descriptor `fd` (opened non-blocking), with the waits
    `read_bytes` describes; `pipe`: an empty pipe with no writer is an error."""
    chunks: list[bytes] = []
    size = 0
    waited = False
    start = last = time.monotonic()
    while size <= limit:
        try:
            chunk = os.read(fd, min(CHUNK, limit + 1 - size))
        except BlockingIOError:  # a writer is there, with nothing to say yet
            waited = True
            idle_end, total_end = last + PIPE_WAIT_SECONDS, start + PIPE_TOTAL_SECONDS
            left = min(idle_end, total_end) - time.monotonic()
            if left > 0 and readable(fd, left):
                continue
            if total_end < idle_end:
                raise SpecError(
                    f"cannot read {label}: not finished after {PIPE_TOTAL_SECONDS:g} s"
                ) from None
            raise SpecError(
                f"cannot read {label}: nothing came for {PIPE_WAIT_SECONDS:g} s"
            ) from None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        last = time.monotonic()
    if pipe and size == 0 and not waited:
        raise SpecError(f"cannot read {label}: it is a pipe with nothing writing to it")
    return b"".join(chunks)


def readable(fd: int, timeout: float) -> bool:
    """Wait at most `timeout` seconds for `fd` to have data (or an end); True if it has."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(max(1, int(timeout * 1000))))
    return bool(select.select([fd], [], [], timeout)[0])  # pragma: no cover (no poll)


def read_stream(stream: BinaryIO | None, label: str, limit: int = MAX_SPEC_BYTES) -> bytes:
    """Up to `limit` + 1 bytes of an open stream (standard input: it blocks as any reader of
    standard input does); a closed or unreadable stream is a SpecError naming `label`."""
    if stream is None:
        raise SpecError(f"cannot read {label}: it is closed")
    try:
        return stream.read(limit + 1)
    except OSError as e:
        raise SpecError(f"cannot read {label}: {e.strerror or type(e).__name__}") from None


# -- writing ----------------------------------------------------------------------------------


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while an output file was being written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def write_output(path: str, text: str | bytes | Iterable[str]) -> None:
    """Write `text` (or bytes, or text in pieces) to `path`; a ConvcostError naming it if that
    fails.

    A regular file (or a new one) is replaced atomically: the output goes to a temporary file
    `.convcost-*.tmp` beside the file `path` resolves to through symlinks, which is renamed over
    that file with its mode (and, where allowed, owner), so it is either the whole new output or
    untouched, and the symlink stays a symlink. The temporary file is removed however the write
    stops: an error, Ctrl-C, or SIGTERM or SIGHUP (their default kills at once, so while writing
    they raise, and are sent again once the temporary file is gone). Anything else that exists
    (a device such as /dev/null, a FIFO, a terminal) is opened and written in place, never
    replaced; a FIFO waits at most PIPE_WAIT_SECONDS for a reader. Text is UTF-8; a character
    Python keeps for a byte that is not UTF-8 (a file name's) is written as that byte.
    """
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise write_error(path, e) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise ConvcostError(f"cannot write {path}: it is a directory")
    if info is None and path.endswith(("/", os.sep)):
        raise ConvcostError(f"cannot write {path}: no such directory")
    target = os.path.realpath(path)
    if info is not None and not same_file(info, target):  # a device, FIFO, /dev/stdout, ...
        write_in_place(path, text, fifo=stat.S_ISFIFO(info.st_mode))
        return
    caught: list[int] = []
    try:
        with signals_raise(caught):
            replace_atomically(path, target, info, text)
    except Terminated:
        pass  # the temporary file is gone: now end as the signal would have
    if caught:
        import signal

        signal.raise_signal(caught[0])  # the default action is back: this ends the process
        raise SystemExit(128 + caught[0])  # pragma: no cover (if the signal is blocked)


def same_file(info: os.stat_result, target: str) -> bool:
    """Whether `info` is a regular file and `target` is that very file."""
    if not stat.S_ISREG(info.st_mode):
        return False
    try:
        other = os.stat(target)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino)


def encoded(text: str) -> bytes:
    """UTF-8, with a non-UTF-8 file name's bytes as they were (else escaped, never an error)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def write_pieces(fd: int, text: str | bytes | Iterable[str]) -> None:
    """Write all of `text` to `fd` and close it (closed also when a write fails)."""
    with os.fdopen(fd, "wb") as f:
        if isinstance(text, bytes):
            f.write(text)
        else:
            for piece in [text] if isinstance(text, str) else text:
                f.write(encoded(piece))


def check_writable(path: str) -> None:
    """A ConvcostError now, before minutes of work, if `path` surely cannot be written (as
    write_output would find at the end): a directory, or a new file in a folder that does not
    exist or that this user may not write into."""
    import errno

    if os.path.isdir(path):
        raise ConvcostError(f"cannot write {path}: it is a directory")
    if os.path.exists(path):
        if not os.access(path, os.W_OK):
            raise write_error(path, OSError(errno.EACCES, os.strerror(errno.EACCES)))
        return
    folder = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(folder):
        raise write_error(path, OSError(errno.ENOENT, os.strerror(errno.ENOENT)))
    if not os.access(folder, os.W_OK):
        raise write_error(path, OSError(errno.EACCES, os.strerror(errno.EACCES)))


def write_error(path: str, e: OSError) -> ConvcostError:
    """`cannot write PATH: REASON`."""
    return ConvcostError(f"cannot write {path}: {e.strerror or type(e).__name__}")


def replace_atomically(
    path: str, target: str, info: os.stat_result | None, text: str | bytes | Iterable[str]
) -> None:
    """Write to a temporary file beside `target` and rename it over `target` (`info`: the
    file now there, whose mode and owner the new one keeps, or None); the temporary file is
    removed whatever stops this."""
    import contextlib
    import tempfile

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".convcost-", suffix=".tmp")
        try:
            if info is not None:
                if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
                    with contextlib.suppress(OSError, AttributeError):
                        os.chown(tmp, info.st_uid, info.st_gid)  # only root may, mostly
                mode = stat.S_IMODE(info.st_mode)
            else:
                mask = os.umask(0)
                os.umask(mask)
                mode = 0o666 & ~mask  # what open() would give; mkstemp makes it 0600
            os.chmod(tmp, mode)
        except BaseException:
            os.close(fd)
            raise
        write_pieces(fd, text)
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise write_error(path, e) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_in_place(path: str, text: str | bytes | Iterable[str], fifo: bool = False) -> None:
    """Open `path` (a device, a FIFO, ...) for writing, without creating or replacing it, and
    write to it; a FIFO with no reader is waited for at most PIPE_WAIT_SECONDS."""
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    if fifo:
        flags |= getattr(os, "O_NONBLOCK", 0)  # no reader: ENXIO at once, not a hang
    deadline = time.monotonic() + PIPE_WAIT_SECONDS
    while True:
        try:
            fd = os.open(path, flags)
            break
        except OSError as e:
            if not (fifo and e.errno == errno.ENXIO):
                raise write_error(path, e) from None
            if time.monotonic() >= deadline:
                raise ConvcostError(
                    f"cannot write {path}: nothing read from this pipe for {PIPE_WAIT_SECONDS:g} s"
                ) from None
            time.sleep(0.05)
    try:
        if fifo:
            os.set_blocking(fd, True)  # a reader is there: wait for it as any writer does
    except OSError as e:
        os.close(fd)
        raise write_error(path, e) from None
    try:
        write_pieces(fd, text)
    except OSError as e:
        raise write_error(path, e) from None


@contextlib.contextmanager
def signals_raise(caught: list[int]) -> Iterator[None]:
    """While in the block, the first SIGTERM or SIGHUP raises Terminated (where their action
    is the default, and in the main thread only); each that arrives is added to `caught`. The
    default action is restored on leaving."""
    import signal
    import threading

    names = ("SIGTERM", "SIGHUP")
    nums = [getattr(signal, n) for n in names if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        nums = []
    nums = [s for s in nums if signal.getsignal(s) == signal.SIG_DFL]

    def handler(signum: int, _frame: object) -> None:
        caught.append(signum)
        if len(caught) == 1:  # later ones: the cleanup is under way already
            raise Terminated(signum)

    for s in nums:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s in nums:
            signal.signal(s, signal.SIG_DFL)
