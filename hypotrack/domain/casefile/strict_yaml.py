"""Strict YAML for case files: the subset a person writes, read at libyaml's speed.

A case file is plain YAML: mappings, lists and scalars. Refused, each with the line:
anchors and aliases (no alias bombs, no shared values), merge keys (`<<:`), tags (`!!bool`,
`!!timestamp`, `!custom`...), a key that is a list or a mapping, the same key twice in one
mapping (YAML would keep the last and drop the first), a timestamp that is not a real date,
nesting deeper than any case file needs, and characters YAML does not allow. YAML 1.1's
yes/no/on/off booleans are not booleans here (`no` is an id); only true/false are.

Speed: composing the node tree is most of the cost of reading a file. Where PyYAML was built
with libyaml (`yaml.__with_libyaml__`), libyaml composes the tree in C and keeps each node's
line; one pass in Python then checks the tree and builds the data (it replaces PyYAML's
constructor, which walks the tree with generators). The C composer does not say which nodes
came from an alias or carried an explicit tag, but it asks the resolver for the tag of every
other node: a tree with more nodes than resolver calls holds an alias or a tag, and the pure
Python composer (which sees the events) then reads the file again to name the line. Measured
in `benchmarks/loader.py`.

Writing (`dump_yaml`) is the other direction, for export: keys in the order given, the words
YAML 1.1 would read as booleans quoted, times in ISO 8601.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

#: Deeper than any case file (evidence[3].amended[0].likelihood.medical is 5 levels).
MAX_DEPTH = 24
#: A key worth quoting in a message: an id or a format key, not a line of text.
_SHOWABLE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


# --- problems -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case file: where, and what."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        place = f" {self.path}:" if self.path else ""
        return f"{where}:{place} {self.message}"


class CaseFileError(Exception):
    """A case file that cannot be loaded; `problems` lists every located error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def showable_key(key: Any) -> bool:
    """Whether a key may appear in a message: a short id-like word, never free text."""
    return isinstance(key, int) or (isinstance(key, str) and bool(_SHOWABLE_KEY.match(key)))


def format_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """`evidence[3].likelihood.medical`; a key that is not an id shows as `<text>`."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            shown = short(str(part)) if showable_key(part) else "<text>"
            out += ("." if out else "") + shown
    return out


def short(value: str, limit: int = 40) -> str:
    """A value short enough to quote in a message (never more than `limit` characters)."""
    value = "".join(ch if ch.isprintable() else "?" for ch in value)
    return value if len(value) <= limit else value[: limit - 3] + "..."


# --- where things are ---------------------------------------------------------------------


class Lines:
    """The line of each place in the file, looked up in the node tree only when needed.

    A mapping entry's place is its key's line; a list item's is the item's first line.
    """

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def get(self, loc: tuple[Any, ...]) -> int | None:
        """The line of `loc` itself, or None when it is not in the file."""
        found = self._find(loc)
        return found[1] if found and found[0] == len(loc) else None

    def nearest(self, loc: tuple[Any, ...]) -> int | None:
        """The line of `loc`, or of the deepest place above it that is in the file."""
        found = self._find(loc)
        return found[1] if found else None

    def _find(self, loc: tuple[Any, ...]) -> tuple[int, int] | None:
        node = self.root
        if node is None:
            return None
        depth, line = 0, node.start_mark.line + 1
        for part in loc:
            if isinstance(node, MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                        node, line = value_node, key_node.start_mark.line + 1
                        break
                else:
                    return depth, line
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return depth, line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return depth, line
            depth += 1
        return depth, line


# --- loaders ------------------------------------------------------------------------------


class _StrictResolver(Resolver):
    """YAML 1.1's implicit types without yes/no/on/off as booleans."""


_StrictResolver.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for key, resolvers in Resolver.yaml_implicit_resolvers.copy().items()
}
_StrictResolver.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Refused(Exception):
    """An alias or a tag, seen by the Python composer at `line`."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message


ALIAS_MESSAGE = "anchors and aliases (& and *) are not allowed in case files: write the value out"
TAG_MESSAGE = (
    "tags (such as !!bool or !!timestamp) are not allowed in case files: write the plain value"
)


class _PyLoader(Reader, Scanner, Parser, Composer, SafeConstructor, _StrictResolver):
    """PyYAML's pure-Python reader, refusing aliases and explicit tags as it composes."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        _StrictResolver.__init__(self)

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark.line + 1, ALIAS_MESSAGE)
        if getattr(event, "tag", None) not in (None, "!"):
            raise _Refused(event.start_mark.line + 1, TAG_MESSAGE)
        return super().compose_node(parent, index)


if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser

    class _CLoader(CParser, SafeConstructor, _StrictResolver):  # type: ignore[misc]
        """libyaml's composer; counts the nodes whose tag it asked for (see the module doc)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            _StrictResolver.__init__(self)
            self.resolved = 0

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:  # noqa: D102
            self.resolved += 1
            return _StrictResolver.resolve(self, kind, value, implicit)

    LIBYAML = True
else:  # pragma: no cover - PyYAML built without libyaml
    _CLoader = None  # type: ignore[assignment,misc]
    LIBYAML = False


class _NeedsPython(Exception):
    """The C-composed tree holds an alias or an explicit tag: read again to say where."""


# --- the pass over the tree ---------------------------------------------------------------


class _Builder:
    """Checks the node tree and builds the data in one pass, collecting located problems."""

    def __init__(self, file: str, loader: Any, budget: int | None) -> None:
        self.file = file
        self.loader = loader
        self.budget = budget  # C path: the nodes the resolver saw; more visits = alias or tag
        self.visits = 0
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(
            Problem(self.file, node.start_mark.line + 1, format_path(path), message)
        )

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        self.visits += 1
        if self.budget is not None and self.visits > self.budget:
            raise _NeedsPython
        if len(path) > MAX_DEPTH:
            self.problem(node, path, "nested too deeply for a case file")
            return None
        kind = type(node)
        if kind is ScalarNode:
            return self.scalar(node, path)
        if kind is MappingNode:
            if node.tag != _MAP:
                self.tagged(node)
            out: dict[Any, Any] = {}
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                self.visits += 1
                if type(key_node) is not ScalarNode:
                    self.problem(key_node, path, "a key must be a word, not a list or a mapping")
                    continue
                if key_node.tag == _MERGE:
                    self.problem(
                        key_node,
                        path,
                        "merge keys (<<) are not allowed in case files: write the keys out",
                    )
                    continue
                text = key_node.value
                key = self.scalar(key_node, path)
                if text in seen:
                    shown = f"'{short(text)}' " if showable_key(text) else ""
                    self.problem(
                        key_node,
                        path,
                        f"the key {shown}appears twice here (also on line {seen[text]}): "
                        "keep one, or YAML would silently drop the first",
                    )
                    continue
                seen[text] = key_node.start_mark.line + 1
                try:
                    hash(key)
                except TypeError:  # pragma: no cover - scalars are hashable
                    self.problem(key_node, path, "a key must be a word")
                    continue
                out[key] = self.build(value_node, (*path, key))
            return out
        if kind is SequenceNode:
            if node.tag != _SEQ:
                self.tagged(node)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        raise _NeedsPython  # pragma: no cover - no other node kinds

    def tagged(self, node: yaml.Node) -> None:
        if self.budget is not None:
            raise _NeedsPython
        raise _Refused(node.start_mark.line + 1, TAG_MESSAGE)  # pragma: no cover

    def scalar(self, node: ScalarNode, path: tuple[Any, ...]) -> Any:
        tag = node.tag
        if tag == STR:
            if node.style == '"':  # escapes such as \ud800 can make text that is not Unicode
                try:
                    node.value.encode("utf-8")
                except UnicodeEncodeError:
                    self.problem(node, path, "an escape (such as \\ud800) that is not a character")
                    return None
            return node.value
        try:
            if tag == _NULL:
                return None
            if tag == _BOOL:
                return self.loader.construct_yaml_bool(node)
            if tag == _INT:
                return self.loader.construct_yaml_int(node)
            if tag == _FLOAT:
                return self.loader.construct_yaml_float(node)
            if tag == _TIMESTAMP:
                return self.loader.construct_yaml_timestamp(node)
        except Exception:  # noqa: BLE001 - PyYAML raises ValueError, KeyError, AttributeError...
            # (With an explicit tag, such as !!bool x, the C pass then finds more nodes than
            # resolver calls, and the Python pass names the tag instead.)
            if tag == _TIMESTAMP:
                self.problem(node, path, "not a real date or time (check the day and month)")
            else:
                self.problem(node, path, "a number YAML cannot read (too many digits?)")
            return None
        if tag in (_MERGE, _VALUE):  # a bare << or = where a value belongs
            self.problem(node, path, "a value YAML cannot read: put it in quotes")
            return None
        if self.budget is not None:
            raise _NeedsPython  # an explicit tag: the Python pass says where
        self.problem(node, path, TAG_MESSAGE)  # pragma: no cover - refused while composing
        return None


# --- reading ------------------------------------------------------------------------------


def _single(file: str, line: int | None, message: str) -> CaseFileError:
    return CaseFileError([Problem(file, line, "", message)])


def _unprintable_line(text: str) -> int | None:
    for number, line in enumerate(text.split("\n"), start=1):
        for ch in line:
            if not (ch in "\t\r\x85" or ch.isprintable() or ch in "\u2028\u2029\ufeff"):
                return number
    return None


def _deep_line(text: str) -> int:
    """Roughly where nesting passes MAX_DEPTH (brackets, and '- ' at the start of a line)."""
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" ")
        dashes = 0
        while stripped.startswith("- "):
            dashes += 1
            stripped = stripped[2:].lstrip(" ")
        for ch in stripped:
            if ch in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number
            elif ch in "]}":
                depth = max(depth - 1, 0)
        if dashes + depth > MAX_DEPTH or (len(line) - len(line.lstrip(" "))) > 4 * MAX_DEPTH:
            return number
    return 1


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    what = exc.problem or "not valid YAML"
    # Quoted bits of the file (a tag, a character) stay short.
    what = re.sub(r"'([^']{41,})'", lambda m: f"'{short(m.group(1))}'", what)
    if "maximum nesting depth" in what:
        return (line or _deep_line(text)), "not valid YAML: nested too deeply for a case file"
    return line, f"not valid YAML: {short(what, 120)}"


def _compose(loader: Any, file: str, text: str) -> Any:
    try:
        return loader.get_single_node()
    except _Refused:
        raise
    except yaml.reader.ReaderError:
        raise _single(
            file,
            _unprintable_line(text),
            "not valid YAML: it holds a control character YAML does not allow",
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise _single(file, *_yaml_problem(exc, text)) from None
    except yaml.YAMLError:
        raise _single(
            file,
            _unprintable_line(text),
            "not valid YAML: it holds a character YAML does not allow",
        ) from None
    except RecursionError:
        raise _single(
            file, _deep_line(text), "not valid YAML: nested too deeply for a case file"
        ) from None


def _read_python(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    try:
        loader = _PyLoader(text)
    except yaml.YAMLError:
        raise _single(
            file,
            _unprintable_line(text),
            "not valid YAML: it holds a control character YAML does not allow",
        ) from None
    try:
        try:
            node = _compose(loader, file, text)
        except _Refused as refused:
            raise _single(file, refused.line, refused.message) from None
        if node is None:
            return None, None
        builder = _Builder(file, loader, None)
        try:
            data = builder.build(node, ())
        except _Refused as refused:
            raise _single(file, refused.line, refused.message) from None
        if builder.problems:
            raise CaseFileError(builder.problems)
        return data, node
    finally:
        loader.dispose()


def _read_c(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    loader = _CLoader(text)
    try:
        node = _compose(loader, file, text)
        if node is None:
            return None, None
        builder = _Builder(file, loader, loader.resolved)
        data = builder.build(node, ())  # may raise _NeedsPython
        if builder.visits != loader.resolved:
            raise _NeedsPython
        if builder.problems:
            raise CaseFileError(builder.problems)
        return data, node
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str) -> tuple[Any, Lines]:
    """YAML text -> (data, where each place is). Raises CaseFileError for anything refused."""
    if LIBYAML:
        try:
            data, node = _read_c(text, file)
        except _NeedsPython:
            # The Python composer sees aliases and tags as events and names the line; it is
            # also the authority should the C pass ever miscount.
            data, node = _read_python(text, file)
    else:  # pragma: no cover - PyYAML built without libyaml
        data, node = _read_python(text, file)
    if node is None:
        raise _single(file, None, "the file is empty: a case file starts with 'format: 1'")
    return data, Lines(node)


# --- writing ------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> Any:
    # Quote words YAML 1.1 would read as booleans or null, so other tools read ids as written.
    if value.lower() in {"yes", "no", "on", "off", "y", "n", "true", "false", "null", "~"}:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


def _datetime_representer(dumper: yaml.SafeDumper, value: datetime) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(datetime, _datetime_representer)


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text for a case-file dict: keys in the given order, ids quoted where YAML 1.1
    would misread them, times in ISO 8601."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
