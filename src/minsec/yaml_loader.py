"""Reading one record file safely: plain YAML data only, with the line of every field.

PyYAML alone keeps the last of two duplicate keys without a word, builds Python objects
from tags and expands alias bombs. This loader composes the node tree with the safe
loader and converts it itself, refusing anything that is not plain data, so that a
careless or hostile file gets a message instead of silent data loss or code execution.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

MAX_FILE_BYTES = 64 * 1024
#: Characters the YAML 1.1 reader refuses (control characters other than tab, LF, CR, NEL, and surrogates).
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_DEPTH = 10
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


@dataclass(frozen=True)
class Document:
    """A record file's data and the line on which each field path starts."""

    data: dict
    lines: dict[Path_, int]

    def line_of(self, path: Path_) -> int:
        """The line of ``path`` or of its nearest parent that has one (1 for the whole file)."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


def _refuse_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise YamlError(1, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte cap for one record")


def read_capped(path: Path) -> bytes:
    """A record file's bytes, refusing links and files over the cap before reading them.

    A link could make CI read (and quote, in its messages) a file outside the repository,
    and an oversized file would be read whole before the cap applied.
    """
    if path.is_symlink():
        raise YamlError(1, "is a symbolic link; record files must be regular files, so copy the content in")
    _refuse_size(path.stat().st_size)
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
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


class _Converter:
    """Turns a composed node tree into dicts, lists and scalars, recording lines."""

    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}
        self._scalars = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: Path_) -> object:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise YamlError(node.start_mark.line + 1, f"tag {node.tag!r} is not allowed; remove it")
            items = []
            for index, item in enumerate(node.value):
                self.lines[path + (index,)] = item.start_mark.line + 1
                items.append(self.convert(item, path + (index,)))
            return items
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict:
        if node.tag != _MAP:
            raise YamlError(node.start_mark.line + 1, f"tag {node.tag!r} is not allowed; remove it")
        result: dict[str, object] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise YamlError(line, "keys must be plain field names")
            key = key_node.value
            if key == "<<":
                raise YamlError(line, "uses a YAML merge key (<<); write the fields out instead")
            if key in result:
                raise YamlError(
                    line,
                    f"{key}: duplicate key (first on line {first_line[key]}); YAML would silently "
                    "keep only the last one, so merge them into one",
                )
            first_line[key] = line
            self.lines[path + (key,)] = line
            result[key] = self.convert(value_node, path + (key,))
        return result

    def _scalar(self, node: yaml.ScalarNode) -> object:
        if node.tag not in _SCALAR_TAGS:
            raise YamlError(node.start_mark.line + 1, f"tag {node.tag!r} is not allowed; write plain values")
        if node.tag in (_STR, "tag:yaml.org,2002:timestamp"):
            return node.value
        try:
            return self._scalars.construct_object(node, deep=True)
        except Exception:  # PyYAML raises ValueError, KeyError or IndexError on bad scalars
            kind = node.tag.rsplit(":", 1)[-1]
            raise YamlError(node.start_mark.line + 1, f"{node.value[:40]!r} is not a valid {kind}") from None


class _PlainComposer(yaml.SafeLoader):
    """The safe loader's composer, refusing aliases and deep nesting as it goes.

    Aliases repeat data (and make alias bombs), anchors only serve aliases: plain data has
    neither. Both, and nesting, are checked while composing rather than afterwards, because
    PyYAML scans deep flow collections in quadratic time (15 s for 5,000 brackets) and
    composes them recursively; one pass also halves the time spent parsing.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0
        self.first_anchor: yaml.Event | None = None

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise YamlError(
                event.start_mark.line + 1, f"uses a YAML alias (*{event.anchor}); write the value out instead"
            )
        if event.anchor is not None and self.first_anchor is None:
            self.first_anchor = event
        nested = isinstance(event, yaml.CollectionStartEvent)
        if nested:
            self.depth += 1
            if self.depth > MAX_DEPTH + 1:
                raise YamlError(event.start_mark.line + 1, f"nested deeper than {MAX_DEPTH} levels; records are flat")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nested


def _compose(text: str) -> list[yaml.Node]:
    """The node tree of every document in ``text``; an anchor anywhere is refused at the end,
    so that an alias (the actual repetition) is the problem reported when both are there."""
    composer = _PlainComposer(text)
    try:
        nodes = []
        while composer.check_node():
            nodes.append(composer.get_node())
    finally:
        composer.dispose()
    anchor = composer.first_anchor
    if anchor is not None:
        raise YamlError(anchor.start_mark.line + 1, f"uses a YAML anchor (&{anchor.anchor}); remove it")
    return nodes


def load_document(raw: bytes) -> Document:
    """Parse one record file; raises YamlError for anything but one plain YAML mapping."""
    text = _decode(raw)
    try:
        nodes = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"not valid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YamlError(1, f"not valid YAML: {error}") from None
    if len(nodes) != 1:
        if not nodes:
            raise YamlError(1, "file is empty; a record is a YAML mapping of fields")
        raise YamlError(nodes[1].start_mark.line + 1, "holds more than one YAML document; one record per file")
    root = nodes[0]
    if not isinstance(root, yaml.MappingNode):
        raise YamlError(root.start_mark.line + 1, "the top level must be a mapping of field: value")
    converter = _Converter()
    data = converter.convert(root, ())
    assert isinstance(data, dict)
    return Document(data, converter.lines)
