"""Semantic versions of the data: parsing, ordering, and the size of a bump.

Versions are compared as numbers, never as strings ("0.10.0" is newer than "0.9.0").
Only plain ``MAJOR.MINOR.PATCH`` is accepted: a dataset release is cited by that number.

The 0.x policy: while the major version is 0 the schema is still settling, so a breaking
change (what would be a MAJOR bump) grows the minor number and any other change (additions
and corrections) grows the patch number: 0.1.0 -> 0.2.0 for a withdrawn record or a renamed
column, 0.1.0 -> 0.1.1 for new records. From 1.0.0 on, strict semantic versioning applies.
This keeps the first withdrawn id from forcing 1.0.0.
"""

import re
from enum import IntEnum
from typing import NamedTuple

_PATTERN = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class Bump(IntEnum):
    """How much a version must grow; ordered, so the required bump of many changes is their max."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Version(NamedTuple):
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> "Version":
        match = _PATTERN.fullmatch(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a version of the form MAJOR.MINOR.PATCH (e.g. 0.1.0)")
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def bumped(self, bump: Bump) -> "Version":
        """The smallest version after this one that makes a ``bump`` (under the 0.x policy while major is 0)."""
        if self.major == 0 and bump is not Bump.NONE:
            return Version(0, self.minor + 1, 0) if bump is Bump.MAJOR else Version(0, self.minor, self.patch + 1)
        if bump is Bump.MAJOR:
            return Version(self.major + 1, 0, 0)
        if bump is Bump.MINOR:
            return Version(self.major, self.minor + 1, 0)
        if bump is Bump.PATCH:
            return Version(self.major, self.minor, self.patch + 1)
        return self


def is_version(text: str) -> bool:
    return bool(_PATTERN.fullmatch(text.strip()))


def bump_between(old: Version, new: Version) -> Bump:
    """The bump going from ``old`` to ``new`` makes (``NONE`` if equal); ``new`` must not be older.

    Under the 0.x policy a minor step counts as MAJOR and a patch step as MINOR (which covers PATCH).
    """
    if new < old:
        raise ValueError(f"{new} is older than {old}")
    if old.major == 0 and new.major == 0:
        if new.minor != old.minor:
            return Bump.MAJOR
        return Bump.MINOR if new.patch != old.patch else Bump.NONE
    if new.major != old.major:
        return Bump.MAJOR
    if new.minor != old.minor:
        return Bump.MINOR
    return Bump.PATCH if new.patch != old.patch else Bump.NONE


def release_bump(required: Bump, released: Version) -> Bump:
    """Which number the next release after ``released`` grows for changes that require
    ``required``, under the 0.x policy above (for messages; ``Version.bumped`` applies it)."""
    if released.major == 0 and required is not Bump.NONE:
        return Bump.MINOR if required is Bump.MAJOR else Bump.PATCH
    return required
