"""Reading one record file safely: plain YAML data only, with the line of every field.

PyYAML alone keeps the last of two duplicate keys without a word, builds Python objects
from tags and expands alias bombs. This loader composes the node tree with the safe
loader and converts it itself, refusing anything that is not plain data, so that a
careless or hostile file gets a message instead of silent data loss or code execution.
"""

import errno
import os
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from minsec.paths import read_up_to

MAX_FILE_BYTES = 64 * 1024
#: Characters the YAML 1.1 reader refuses (control characters other than tab, LF, CR, NEL, and surrogates).
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_DEPTH = 10
#: Past this many flow brackets a file goes straight to PyYAML's parser: both parsers scan
#: deep flow nesting in quadratic time before the depth limit can stop them, so reading such
#: a file twice (libyaml refuses it, then PyYAML words the message) would double that.
_MANY_BRACKETS = 500
#: Whether PyYAML was built with libyaml, whose parser is used when it is.
LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))
Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


class YamlError(ValueError):
    """A file that is not plain, safe YAML data; ``line`` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class Document:
    """A record file's data and the line on which each field path starts.

    A file read by the fast path (see :func:`_data_only`) has its lines found when first
    asked for, by reading its text again with line tracking: lines are needed only to point
    at a problem, and finding them for every file was a third of the time of reading it.
    """

    __slots__ = ("_lines", "_text", "data")

    def __init__(
        self, data: dict, lines: dict[Path_, int] | None = None, text: "str | Callable[[], str | None] | None" = None
    ) -> None:
        self.data = data
        self._lines = lines
        self._text = text

    @property
    def lines(self) -> dict[Path_, int]:
        """Each field path's line; ``text`` may be a function that reads the text again (None if
        it is gone or changed: then every field is on line 1)."""
        if self._lines is None:
            text = self._text() if callable(self._text) else self._text
            self._lines = _parse(text, LIBYAML).lines if text is not None else {}
            self._text = None
        return self._lines

    @property
    def plain(self) -> bool:
        """Whether the fast path read it: plain data, nothing irregular, lines not found yet."""
        return self._lines is None and self._text is not None

    def without_data(self, reread: "Callable[[], str | None] | None" = None) -> "Document":
        """This document's lines without its data, which a valid record holds; lines not found
        yet are found from ``reread()`` if given (the text itself is not kept), else from the text."""
        return Document({}, self._lines, None if self._lines is not None else reread or self._text)

    def line_of(self, path: Path_) -> int:
        """The line of ``path`` or of its nearest parent that has one (1 for the whole file)."""
        lines = self.lines
        for end in range(len(path), 0, -1):
            if path[:end] in lines:
                return lines[path[:end]]
        return 1


def _refuse_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise YamlError(1, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte cap for one record")


class LinkedFile(YamlError):
    """A record file that is a symbolic link."""


def read_capped(path: str | Path) -> bytes:
    """A record file's bytes, refusing links and files over the cap before reading them.

    A link could make CI read (and quote, in its messages) a file outside the repository,
    and an oversized file would be read whole before the cap applied. One ``open`` that
    refuses links, then ``fstat`` on the open file: one path lookup instead of three (lstat,
    stat, open), which is what made reading 100,000 files cost more per file than 10,000.
    """
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        if error.errno == errno.ELOOP or os.path.islink(path):
            raise LinkedFile(
                1, "is a symbolic link; record files must be regular files, so copy the content in"
            ) from None
        raise
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "not a regular file")
        _refuse_size(info.st_size)
        raw = read_up_to(handle, MAX_FILE_BYTES, info.st_size)
    finally:
        os.close(handle)
    _refuse_size(len(raw))
    return raw


def _decode(raw: bytes) -> str:
    _refuse_size(len(raw))
    if raw.startswith(b"\xef\xbb\xbf"):
        raise YamlError(1, "file starts with a byte-order mark; save it as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlError(line, f"not UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8") from None
    if "\t" not in text and not _NOT_YAML.search(text):
        return text
    for number, line_text in enumerate(text.split("\n"), start=1):
        if "\t" in line_text:
            raise YamlError(number, "contains a tab; indent with spaces and write no tabs in text")
        bad = _NOT_YAML.search(line_text)
        if bad:
            raise YamlError(
                number,
                f"contains the control character U+{ord(bad[0]):04X} at column {bad.start() + 1}, "
                "which YAML does not allow; remove it",
            )
    return text


#: YAML 1.1 number forms that a reader would not take for the number YAML 1.1 makes of them.
_OCTAL = re.compile(r"[-+]?0[0-9_]+")
_SEXAGESIMAL = ":"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _number_form(value: str, number: object) -> str | None:
    """Why a YAML 1.1 int or float written as ``value`` is refused, if it is."""
    if _SEXAGESIMAL in value:
        return (
            f"{value!r} is a YAML 1.1 base-60 number ({number}); "
            "write the number in decimal, or quote the value if it is text"
        )
    if _OCTAL.fullmatch(value):
        return (
            f"{value!r} starts with 0, so YAML 1.1 reads it as the octal number {number}; "
            "write it without leading zeros, or quote the value if it is text"
        )
    return None


def _safe(text: str) -> str:
    """``text`` fit for a message: lone surrogates (from escapes) shown as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


_NO_KEY = object()
#: Field paths, shared by every document that has them: 100,000 records hold some 3 million
#: line entries, and their paths (and key strings) are the same few hundred.
_PATHS: dict[Path_, Path_] = {}


def _shared(path: Path_) -> Path_:
    found = _PATHS.get(path)
    if found is None:
        found = path
        if len(_PATHS) < 100_000:
            _PATHS[path] = path
    return found


#: The plain scalars' tags, as the safe resolver finds them (keys and short values repeat).
_RESOLVED: dict[str, str] = {}
#: First characters for which the safe resolver tries a pattern; any other plain scalar is a string.
_RESOLVED_FIRST = frozenset(k for k in yaml.SafeLoader.yaml_implicit_resolvers if k is not None)
assert None not in yaml.SafeLoader.yaml_implicit_resolvers, "a resolver for every first character"
#: Builds ints, floats, bools and nulls; stateless as used (one constructor function per call).
_CONSTRUCTOR = yaml.SafeLoader("")
_CONSTRUCTOR.dispose()


class _Builder:
    """Builds one document's data from parser events, checking it is plain data as it goes.

    Aliases and nesting are refused at once; the first other problem of the first document
    is kept and reported after the stream is read, so that a file with several problems
    reports the same one whichever parser read it.
    """

    def __init__(self, resolver: yaml.resolver.BaseResolver) -> None:
        self.resolve = resolver.resolve
        self.lines: dict[Path_, int] = {}
        self.error: YamlError | None = None

    def fail(self, line: int, message: str) -> None:
        if self.error is None:
            self.error = YamlError(line, message)

    def collection(self, event: yaml.CollectionStartEvent, kind: type[yaml.Node], expected: str) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(kind, None, event.implicit)
        if tag != expected:
            self.fail(event.start_mark.line + 1, f"tag {tag!r} is not allowed; remove it")

    def tag(self, event: yaml.ScalarEvent) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            value = event.value
            if not event.implicit[0] or value[:1] not in _RESOLVED_FIRST:
                return _STR  # what resolve() returns for these, without trying its patterns
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = self.resolve(yaml.ScalarNode, value, event.implicit)
                if len(value) <= 40 and len(_RESOLVED) < 10_000:
                    _RESOLVED[value] = tag
        return tag

    def scalar(self, event: yaml.ScalarEvent) -> object:
        """The scalar's value."""
        tag = self.tag(event)
        if tag == _STR:
            return event.value
        line = event.start_mark.line + 1
        if tag not in _SCALAR_TAGS:
            self.fail(line, f"tag {tag!r} is not allowed; write plain values")
            return None
        if tag == "tag:yaml.org,2002:timestamp":
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
        except Exception:  # PyYAML raises ValueError, KeyError or IndexError on bad scalars
            kind = tag.rsplit(":", 1)[-1]
            self.fail(line, f"{_safe(event.value[:40])!r} is not a valid {kind}")
            return None
        if tag in _NUMBER_TAGS:
            refused = _number_form(event.value, value)
            if refused:
                self.fail(line, refused)
        return value


class _Irregular(Exception):
    """Raised inside :func:`_data_only` for anything but plain data: the full parse has the say."""


def _data_only(text: str) -> dict:
    """The data of a plain, regular record file read by libyaml, without lines or checks'
    messages; raises :class:`_Irregular` for anything else (an alias, anchor or tag, a
    duplicate or merge key, a key that is not a plain string, deep nesting, a scalar the
    full parse would refuse, a second document), which :func:`_parse` then reads and words."""
    parser = yaml.CSafeLoader(text)
    resolve = parser.resolve
    # Each open collection: [container, pending key or _NO_KEY (mappings)].
    stack: list[list] = []
    data: object = None
    documents = 0
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None:
                    raise _Irregular
                tag = event.tag
                value: object = event.value
                if tag is None or tag == "!":
                    if event.implicit[0] and value[:1] in _RESOLVED_FIRST:  # type: ignore[index]
                        tag = _RESOLVED.get(value)  # type: ignore[arg-type]
                        if tag is None:
                            tag = resolve(yaml.ScalarNode, value, event.implicit)
                            if len(value) <= 40 and len(_RESOLVED) < 10_000:  # type: ignore[arg-type]
                                _RESOLVED[value] = tag  # type: ignore[index]
                        if tag != _STR and tag != "tag:yaml.org,2002:timestamp":
                            value = _plain_value(tag, event)
                else:
                    raise _Irregular
                if not stack:
                    raise _Irregular  # a scalar document
                parent = stack[-1]
                container = parent[0]
                if type(container) is list:
                    container.append(value)
                elif parent[1] is _NO_KEY:
                    if type(value) is not str or value == "<<" or value in container:
                        raise _Irregular
                    parent[1] = sys.intern(value) if len(value) < 64 else value
                else:
                    container[parent[1]] = value
                    parent[1] = _NO_KEY
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None or (event.tag is not None and event.tag != "!") or len(stack) > MAX_DEPTH:
                    raise _Irregular
                if stack:
                    if type(stack[-1][0]) is dict and stack[-1][1] is _NO_KEY:
                        raise _Irregular  # a collection as a key
                elif kind is not yaml.MappingStartEvent or documents:
                    raise _Irregular  # not a mapping at the top, or a second document
                stack.append([{} if kind is yaml.MappingStartEvent else [], _NO_KEY])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value = stack.pop()[0]
                if not stack:
                    data = value
                    documents += 1
                elif type(stack[-1][0]) is list:
                    stack[-1][0].append(value)
                else:
                    stack[-1][0][stack[-1][1]] = value
                    stack[-1][1] = _NO_KEY
            elif kind is yaml.StreamEndEvent:
                break
            elif kind is yaml.AliasEvent:
                raise _Irregular
    finally:
        parser.dispose()
    if type(data) is not dict:
        raise _Irregular  # an empty file
    return data


def _plain_value(tag: str, event: yaml.ScalarEvent) -> object:
    """An int, float, bool or null plain scalar's value; :class:`_Irregular` for a form the
    full parse refuses (a base-60 or leading-zero number, an unknown tag, a bad value)."""
    if tag not in _SCALAR_TAGS:
        raise _Irregular
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        value = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
    except Exception:  # PyYAML raises ValueError, KeyError or IndexError on bad scalars
        raise _Irregular from None
    if tag in _NUMBER_TAGS and _number_form(event.value, value):
        raise _Irregular
    return value


def _parser(text: str, libyaml: bool) -> yaml.SafeLoader:
    return yaml.CSafeLoader(text) if libyaml else yaml.SafeLoader(text)  # type: ignore[return-value]


def _parse(text: str, libyaml: bool) -> Document:
    """One pass over the parser's events: the first document's data and lines, or YamlError."""
    parser = _parser(text, libyaml)
    builder = _Builder(parser)
    documents = 0
    second_line = 1
    root: yaml.Event | None = None
    first_anchor: yaml.Event | None = None
    depth = 0
    data: object = None
    # Each open collection: [container, path, pending key (mappings), first line of each key].
    stack: list[list] = []
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                break
            if kind in (yaml.StreamStartEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent):
                continue
            line = event.start_mark.line + 1
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
                value: object = stack.pop()[0]
            else:
                if kind is yaml.AliasEvent:
                    raise YamlError(line, f"uses a YAML alias (*{event.anchor}); write the value out instead")
                if event.anchor is not None and first_anchor is None:
                    first_anchor = event
                if not stack:
                    documents += 1
                    if documents == 1:
                        root = event
                    elif documents == 2:
                        second_line = line
                building = documents == 1
                path: Path_ = ()
                if stack:
                    parent = stack[-1]
                    if isinstance(parent[0], list):
                        path = _shared(parent[1] + (len(parent[0]),))
                        if building:
                            builder.lines[path] = line
                    elif parent[2] is not _NO_KEY:
                        path = _shared(parent[1] + (parent[2],))
                    elif kind is not yaml.ScalarEvent:
                        parent[2] = None
                        if building:
                            builder.fail(line, "keys must be plain field names")
                if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                    depth += 1
                    if depth > MAX_DEPTH + 1:
                        raise YamlError(line, f"nested deeper than {MAX_DEPTH} levels; records are flat")
                    if kind is yaml.MappingStartEvent:
                        if building:
                            builder.collection(event, yaml.MappingNode, _MAP)
                        stack.append([{}, path, _NO_KEY, {}])
                    else:
                        if building:
                            builder.collection(event, yaml.SequenceNode, _SEQ)
                        stack.append([[], path, _NO_KEY, None])
                    continue
                if not building:
                    continue
                if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is _NO_KEY:
                    parent = stack[-1]
                    if builder.tag(event) != _STR:
                        builder.fail(line, "keys must be plain field names")
                        parent[2] = None
                        continue
                    key = sys.intern(event.value) if len(event.value) < 64 else event.value
                    if key == "<<":
                        builder.fail(line, "uses a YAML merge key (<<); write the fields out instead")
                    elif key in parent[0]:
                        builder.fail(
                            line,
                            f"{_safe(key)}: duplicate key (first on line {parent[3][key]}); YAML would silently "  # type: ignore[arg-type]
                            "keep only the last one, so merge them into one",
                        )
                    else:
                        parent[3][key] = line
                        builder.lines[_shared(parent[1] + (key,))] = line
                    parent[2] = key
                    continue
                value = builder.scalar(event)
            if not stack:
                data = value
            elif isinstance(stack[-1][0], list):
                stack[-1][0].append(value)
            else:
                parent = stack[-1]
                if parent[2] is None:  # the value of a refused key
                    parent[2] = _NO_KEY
                elif parent[2] is not _NO_KEY:
                    parent[0].setdefault(parent[2], value)
                    parent[2] = _NO_KEY
                else:  # a collection used as a key
                    parent[2] = None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()
    if first_anchor is not None:
        raise YamlError(first_anchor.start_mark.line + 1, f"uses a YAML anchor (&{first_anchor.anchor}); remove it")
    if documents == 0 or root is None:
        raise YamlError(1, "file is empty; a record is a YAML mapping of fields")
    if documents > 1:
        raise YamlError(second_line, "holds more than one YAML document; one record per file")
    if type(root) is not yaml.MappingStartEvent:
        raise YamlError(root.start_mark.line + 1, "the top level must be a mapping of field: value")
    if builder.error is not None:
        raise builder.error
    assert isinstance(data, dict)
    return Document(data, builder.lines)


def load_document(raw: bytes, *, libyaml: bool | None = None) -> Document:
    """Parse one record file; raises YamlError for anything but one plain YAML mapping.

    libyaml's parser is used where PyYAML has it (8 times faster), else PyYAML's own;
    ``libyaml`` forces one or the other. Both give the same data, lines and messages.
    """
    text = _decode(raw)
    try:
        many_brackets = text.count("[") + text.count("{") > _MANY_BRACKETS
        if (LIBYAML if libyaml is None else libyaml) and not many_brackets:
            try:
                return Document(_data_only(text), text=text)
            except _Irregular:
                pass
            except yaml.YAMLError:
                pass  # words as below
            try:
                return _parse(text, True)
            except (yaml.YAMLError, YamlError):
                pass  # libyaml words, limits and forgives some errors its own way: PyYAML's parser has the say
        return _parse(text, False)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"not valid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YamlError(1, f"not valid YAML: {error}") from None
