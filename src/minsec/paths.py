"""The one rule for every path minsec reads or writes: inside the tree it belongs to, no links.

A record file, a corpus text, a table of a package folder, a generated file: each belongs to
a tree (the repository, a corpus folder, a package folder) and is named relative to it. A
symbolic link anywhere below the tree's top, or a ``..``, could make minsec read a file
outside the tree (and quote it in a message, or publish it) or write through a link to
anywhere, so both are refused. The top folder itself is the user's choice and may be a link.
"""

import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath


class PathError(Exception):
    """A path minsec refuses to read or write; the message names it and says what to do."""


def within(base: Path, relative: str | PurePosixPath) -> Path:
    """``base / relative``, if ``relative`` stays inside ``base`` and nothing below ``base`` on
    the way is a symbolic link. Parts that do not exist yet (a file about to be written) pass."""
    pure = PurePosixPath(relative)
    parts = pure.parts
    if not parts or pure.is_absolute() or ".." in parts or "\\" in str(relative):
        raise PathError(f"{relative}: not a path inside {base}")
    # Joined as strings (what ``base / part`` prints; ``Path`` joins cost more than the lstat).
    top = str(base)
    current = "" if top == "." else top
    for part in parts:
        current = os.path.join(current, part) if current else part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break
        if stat.S_ISLNK(mode):
            raise PathError(
                f"{current}: is a symbolic link; minsec reads and writes only real files and folders "
                f"inside {base}, so replace the link with a copy of what it points to"
            )
    return base.joinpath(*parts)


def read_up_to(descriptor: int, max_bytes: int, expected: int) -> bytes:
    """The bytes of an open file, at most ``max_bytes + 1`` (one more tells the caller it is
    over), read in as many calls as its size (``expected``, from ``fstat``) needs. A buffered
    ``read(max_bytes + 1)`` allocates that much for every file, whatever it holds: half the time
    of reading 10,000 record files; the size is only a hint, since a file can change meanwhile."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = os.read(descriptor, (min(expected, max_bytes) if not chunks else max_bytes - size) + 1)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_regular(base: Path, relative: str | PurePosixPath, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``base / relative`` (checked by :func:`within`), refusing
    anything else (a device, a pipe) and anything over ``max_bytes`` before reading it whole."""
    path = within(base, relative)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise PathError(f"{path}: not a regular file; a {what} must be an ordinary file")
        if status.st_size > max_bytes:
            raise PathError(f"{path}: {status.st_size} bytes, over the {max_bytes}-byte cap for a {what}")
        content = read_up_to(descriptor, max_bytes, status.st_size)
    finally:
        os.close(descriptor)
    if len(content) > max_bytes:
        raise PathError(f"{path}: over the {max_bytes}-byte cap for a {what}")
    return content


def regular_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(posix path relative to ``folder``, path) of every file below ``folder``, sorted, refusing
    links and anything that is not a regular file or folder: what is published is what was built."""
    for current, folders, files in os.walk(folder, followlinks=False):
        here = Path(current)
        folders.sort()
        for name in [*folders, *files]:
            mode = os.lstat(here / name).st_mode
            if stat.S_ISLNK(mode):
                raise PathError(
                    f"{here / name}: is a symbolic link; only regular files are published, "
                    "so remove it and run `minsec build`"
                )
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise PathError(f"{here / name}: not a regular file; remove it and run `minsec build`")
            if stat.S_ISREG(mode) and os.lstat(here / name).st_nlink > 1:
                raise PathError(
                    f"{here / name}: is a hard link (its content may be a file elsewhere); "
                    "remove it and run `minsec build`"
                )
        for name in sorted(files):
            yield (here / name).relative_to(folder).as_posix(), here / name
