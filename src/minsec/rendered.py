"""A build's generated files, by path: small ones in memory, large ones in a temporary folder.

A build renders every file before it compares or swaps any (see :mod:`minsec.build`), so all
of them wait at once: at 100,000 records, 220 MB of tables and JSON beside the records
themselves. Files of ``SPILL_BYTES`` or more wait on disk instead, in a private temporary
folder (``TMPDIR``) removed when the build is done, and are read back one at a time. Where
the folder cannot be written (a full or read-only disk), files wait in memory as before.
"""

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

#: Files this large or larger wait on disk.
SPILL_BYTES = 1 << 20


class RenderedFiles(Mapping[str, bytes]):
    """Path -> bytes, iterated in path order; see the module docstring."""

    def __init__(self, spill_bytes: int | None = None) -> None:
        self._spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self._memory: dict[str, bytes] = {}
        self._spilled: dict[str, Path] = {}
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._written = 0

    def __setitem__(self, path: str, content: bytes) -> None:
        self._memory.pop(path, None)
        self._spilled.pop(path, None)
        if len(content) >= self._spill_bytes:
            try:
                if self._folder is None:
                    self._folder = tempfile.TemporaryDirectory(prefix="minsec-build-")
                self._written += 1
                spilled = Path(self._folder.name) / str(self._written)
                spilled.write_bytes(content)
            except OSError:
                pass  # no room on disk: the file waits in memory
            else:
                self._spilled[path] = spilled
                return
        self._memory[path] = content

    def __getitem__(self, path: str) -> bytes:
        if path in self._memory:
            return self._memory[path]
        return self._spilled[path].read_bytes()

    def __contains__(self, path: object) -> bool:
        return path in self._memory or path in self._spilled

    def __iter__(self) -> Iterator[str]:
        return iter(sorted([*self._memory, *self._spilled]))

    def __len__(self) -> int:
        return len(self._memory) + len(self._spilled)

    def under(self, prefix: str, suffix: str) -> dict[str, bytes]:
        """A view of the files ``prefix + name + suffix`` by name, read when looked up."""
        return _Under(self, prefix, suffix)  # type: ignore[return-value]

    def spilled(self) -> list[str]:
        """The paths of the files waiting on disk."""
        return sorted(self._spilled)

    def close(self) -> None:
        """Remove the temporary folder (also done when the object is collected or Python exits)."""
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
            self._spilled.clear()


class _Under(Mapping[str, bytes]):
    """Some of a :class:`RenderedFiles`' files, by the part of their path between a prefix and a suffix."""

    def __init__(self, files: RenderedFiles, prefix: str, suffix: str) -> None:
        self._files, self._prefix, self._suffix = files, prefix, suffix

    def __getitem__(self, name: str) -> bytes:
        return self._files[f"{self._prefix}{name}{self._suffix}"]

    def __iter__(self) -> Iterator[str]:
        for path in self._files:
            if path.startswith(self._prefix) and path.endswith(self._suffix):
                yield path[len(self._prefix) : len(path) - len(self._suffix)]

    def __len__(self) -> int:
        return sum(1 for _ in self)
