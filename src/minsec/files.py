"""Writing files safely: atomically, with the permissions the user's umask asks for."""

import os
import tempfile
from pathlib import Path


def umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def replace_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically: readers see the old file or the new, never half."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(temporary, 0o666 & ~umask())
    os.replace(temporary, path)
