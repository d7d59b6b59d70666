"""Mutated case files: structured (the data of a shipped file, changed) and raw (its bytes).

Structured mutations edit the parsed file the way an unlucky user or an attacker would: a value
swapped for an awkward one (huge, tiny, infinite, a date in year 9999, the DST night, a list, a
line of text), a key dropped, renamed or doubled, an item copied, two times swapped, the time
zone changed; the result is written back as YAML. Text mutations then work on the lines: a
line doubled, dropped, indented or dedented, a tag, an alias or a merge key inserted, the file
cut short. Raw mutations flip, insert and delete bytes.

The same strategies drive the bounded run in CI (`test_fuzz.py`, derandomized) and the long
local run (`python -m tests.fuzz.run`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "models").glob("**/*.yaml"))
CORPUS = Path(__file__).resolve().parent / "corpus"
SEED_TEXTS: list[str] = [p.read_text(encoding="utf-8") for p in SEEDS]
SEED_DATA: list[Any] = [yaml.safe_load(t) for t in SEED_TEXTS]

AWKWARD: list[Any] = [
    0,
    -1,
    1,
    1.0000001,
    0.5,
    1e-300,
    5e-324,
    1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    10**400,
    -(10**30),
    "",
    " ",
    "no",
    "yes",
    "on",
    "null",
    "~",
    "likely",
    "almost certain",
    "remote chance",
    "30%",
    "1e-30",
    "inf",
    "nan",
    "x" * 300,
    "Mother said the father hit her with a belt last Tuesday",
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J",
    "line one\nline two",
    "\u202eevil",
    "../../etc",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "UTC",
    "Not/AZone",
    "2026-03-29T01:30:00",
    "2026-10-25T01:30:00",
    "2026-10-25T01:30:00+01:00",
    "2026-02-30T10:00:00",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00",
    "1899-12-31",
    "2200-12-31T23:59:59-12:00",
    True,
    False,
    None,
    [],
    {},
    ["a", "b"],
    {"a": 1},
    {"unknown": "key"},
]

TIME_KEYS = ("opened", "recorded", "observed", "raised", "at", "added", "pinned_at")


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the data (mapping keys and list indexes), depth-first."""
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


@st.composite
def mutate_data(draw: st.DrawFn, data: Any) -> Any:
    """One to four structured edits of a parsed case file."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _get(data, path[:-1])
        how = draw(
            st.sampled_from(
                ["value", "value", "value", "drop", "rename", "copy-item", "swap-times", "zone"]
            )
        )
        if how == "value":
            _set(data, path, copy.deepcopy(draw(st.sampled_from(AWKWARD))))
        elif how == "drop":
            del parent[path[-1]]
        elif how == "rename" and isinstance(parent, dict):
            value = parent.pop(path[-1])
            parent[
                draw(st.sampled_from(["likelihoods", "txt", "id", "catch_all", "by", "zzz"]))
            ] = value
        elif how == "copy-item" and isinstance(parent, list):
            parent.insert(draw(st.integers(0, len(parent))), copy.deepcopy(parent[path[-1]]))
        elif how == "swap-times":
            times = [p for p in paths if p[-1] in TIME_KEYS]
            if len(times) >= 2:
                a, b = draw(st.sampled_from(times)), draw(st.sampled_from(times))
                va, vb = _get(data, a), _get(data, b)
                _set(data, a, vb)
                _set(data, b, va)
        elif how == "zone" and isinstance(data, dict) and isinstance(data.get("case"), dict):
            data["case"]["timezone"] = draw(
                st.sampled_from(
                    ["Europe/London", "America/New_York", "Pacific/Chatham", "Asia/Kolkata"]
                )
            )
    return data


def dump(data: Any) -> str:
    """YAML for mutated data; values YAML cannot represent safely become their repr."""
    try:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    except (yaml.YAMLError, OverflowError, ValueError):
        return repr(data)


TEXT_INSERTS = [
    "!!bool x",
    "!!timestamp x",
    "!!str 7",
    "!!python/object:os.system x",
    "&a x",
    "*a",
    "<<: {id: x}",
    "? [a, b]\n: 1",
    "[" * 40 + "]" * 40,
    "9" * 400,
    "'unterminated",
    '"\\x"',
    "\t",
    "%TAG ! tag:x,2000:",
    "---",
    "...",
    "\x00",
    "\x07",
    "\ufeff",
    "- - - - - - - - - - - - - - - - - - - - - - - - - - x",
]


@st.composite
def mutate_text(draw: st.DrawFn, text: str) -> str:
    """Line-level edits: a line doubled, dropped, re-indented; a YAML feature inserted."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(
            st.sampled_from(["double", "drop", "indent", "dedent", "insert", "cut", "append"])
        )
        if how == "double":
            lines.insert(i, lines[i])
        elif how == "drop":
            del lines[i]
        elif how == "indent":
            lines[i] = "  " + lines[i]
        elif how == "dedent":
            lines[i] = lines[i].lstrip()
        elif how == "insert":
            lines.insert(i, " " * draw(st.integers(0, 6)) + draw(st.sampled_from(TEXT_INSERTS)))
        elif how == "append":
            lines[i] = lines[i] + " " + draw(st.sampled_from(TEXT_INSERTS))
        elif how == "cut":
            lines = lines[: i + 1]
    return "\n".join(lines)


@st.composite
def structured_case_texts(draw: st.DrawFn) -> str:
    """A shipped case file with structured edits, then (sometimes) text edits."""
    k = draw(st.integers(0, len(SEED_DATA) - 1))
    text = dump(draw(mutate_data(SEED_DATA[k])))
    if draw(st.booleans()):
        text = draw(mutate_text(text))
    return text


@st.composite
def raw_case_bytes(draw: st.DrawFn) -> bytes:
    """A shipped case file's bytes with flips, inserts, deletions and splices."""
    k = draw(st.integers(0, len(SEED_TEXTS) - 1))
    data = bytearray(SEED_TEXTS[k].encode("utf-8"))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "insert", "delete", "splice", "byte"]))
        if how == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif how == "byte":
            data[i] = draw(st.sampled_from(b":-[]{}&*!|>'\"#%@`,?\n\t \x00\xff\xc3"))
        elif how == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif how == "delete":
            del data[i : i + draw(st.integers(1, 64))]
        elif how == "splice":
            other = SEED_TEXTS[draw(st.integers(0, len(SEED_TEXTS) - 1))].encode("utf-8")
            j = draw(st.integers(0, len(other) - 1))
            data[i:] = other[j:]
    return bytes(data)
