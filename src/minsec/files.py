"""Writing files safely: atomically, with the permissions the user's umask asks for.

Every byte minsec writes goes through :func:`write_file` or :func:`replace_file`, and both
write with ``os.write``: one place where a full disk or a read-only folder shows itself.
"""

import os
import tempfile
from pathlib import Path


def umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_all(descriptor: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(descriptor, view) :]


def write_file(path: Path, content: bytes) -> None:
    """Create ``path`` (which must not exist, and is never followed if a link) holding ``content``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, 0o666)
    try:
        try:
            _write_all(descriptor, content)
        finally:
            os.close(descriptor)
    except BaseException:
        os.unlink(path)  # never a half-written file
        raise


def replace_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically: readers see the old file or the new, never half."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        try:
            _write_all(handle, content)
        finally:
            os.close(handle)
        os.chmod(temporary, 0o666 & ~umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise
