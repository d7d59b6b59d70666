"""The network as of a moment, written as BIF or XMLBIF through pgmpy's writers (DESIGN §6).

Other Bayesian-network tools (GeNIe, Hugin, SamIam, bnlearn, pgmpy itself) open these files.
The network is the one of DESIGN §3 (a `NetworkSpec`), built by `network.build_network`:

- `H`: the live explanations; its prior comes from their weights.
- `R_<source>`: "this source's reports are reliable" (`reliable`/`unreliable`), one for each
  source the worker rates below 1.
- `E_<item>`: one for each live evidence item (`present`/`absent`); every one was observed
  `present`. P(present | h, reliable) = L(h); P(present | h, unreliable) = the mean of the
  item's likelihoods as entered.

Names. Every id is mapped to a name by `network.NameMap` (characters other than letters, digits
and `_` become `_`; a hypothesis id that does not start with a letter gets `h_` in front; two ids
that would meet get `_2`, `_3`...). The mapping is written twice: in a comment at the top of the file, for people,
and as one `hypotrack` property per node, for programs (XMLBIF keeps a single property per
node, so it is one). Case text (labels, the items' wording) is never written: the file holds
the structure and the numbers only.

Only `reasoning/` imports pgmpy; pgmpy objects do not leave this module.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hypotrack.domain import model as m
from hypotrack.domain.state import CaseState, fold
from hypotrack.domain.timeline import Timeline
from hypotrack.reasoning.network import NOT_NAME, NameMap, _pgmpy, build_network
from hypotrack.reasoning.spec import NetworkSpec

Format = Literal["bif", "xmlbif"]


def _mapping_lines(names: NameMap) -> list[str]:
    lines = ["H states (file name = hypotrack explanation id):"]
    lines += [f"  {name} = {ident}" for ident, name in names.hypotheses.items()]
    if names.sources:
        lines.append("R_ nodes (file name = hypotrack source id):")
        lines += [f"  R_{name} = {ident}" for ident, name in names.sources.items()]
    if names.items:
        lines.append("E_ nodes (file name = hypotrack evidence id):")
        lines += [f"  E_{name} = {ident}" for ident, name in names.items.items()]
    return lines


def _header(state: CaseState, names: NameMap) -> list[str]:
    info = state.info
    at = ""
    if info is not None and state.last_at is not None:
        at = state.last_at.astimezone(ZoneInfo(info.timezone)).isoformat()
    return [
        f"hypotrack network for case {info.id if info else ''}, as of {at}.",
        "H: the explanations still open; prior from their weights.",
        "R_<source>: this source's reports are reliable (reliable, unreliable); prior = the",
        "  worker's rating of the source. Only sources rated below 1 have one.",
        "E_<item>: an evidence item (present, absent). Every E_ node was observed present:",
        "  query H (and R_) with all E_ nodes set to present to get hypotrack's beliefs.",
        "  P(present | h, reliable) = the item's likelihood under h;",
        "  P(present | h, unreliable) = the mean of the item's likelihoods as entered.",
        "Names are hypotrack ids with other characters than letters, digits and _ replaced.",
        *_mapping_lines(names),
    ]


def _annotate(model: Any, names: NameMap) -> None:
    """One `hypotrack` property per node naming what it stands for (XMLBIF keeps only one)."""
    # BIFReader splits a property on '=' and XMLBIFReader does the same: one '=' only.
    pairs = " ".join(f"{name}:{ident}" for ident, name in names.hypotheses.items())
    model.nodes["H"]["hypotrack"] = f"explanations {pairs}"
    for ident, name in names.sources.items():
        model.nodes["R_" + name]["hypotrack"] = f"source {ident}"
    for ident, name in names.items.items():
        model.nodes["E_" + name]["hypotrack"] = f"evidence {ident}"


def network_file(events: Sequence[m.Event], fmt: Format, as_of: datetime | None = None) -> str:
    """The network as of `as_of` (inclusive; default: the last event) as BIF or XMLBIF text."""
    Timeline.of(events).check(as_of)  # BeforeOpened (a ValueError): nothing on file then
    state = fold(events, as_of)
    if not state.live_hypotheses:
        raise ValueError("the case has no open explanations at that moment: there is no network")
    spec = NetworkSpec.of(state)
    names = NameMap.of(spec)
    model, _ = build_network(spec, names=names)
    model.name = NOT_NAME.sub("_", state.info.id)
    _annotate(model, names)
    header = _header(state, names)
    _pgmpy()  # quiet import first: pgmpy warns on import and shows progress bars
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFWriter, XMLBIFWriter  # noqa: PLC0415

        if fmt == "bif":
            # Values keep full precision (round_values=None): a reader must get the same
            # posterior to 1e-9.
            body = str(BIFWriter(model))
            # BIFReader strips /* */ comments; keep quotes and '*/' out of the comment.
            comment = "/*\n" + "\n".join("  " + line for line in header) + "\n*/\n"
            return comment + body
        if fmt == "xmlbif":
            body = str(XMLBIFWriter(model))
            # An XML comment may not hold '--' (a slug may: 'a--b'); the property is exact.
            lines = [line.replace("--", "- -") for line in header]
            comment = "<!--\n" + "\n".join("  " + line for line in lines) + "\n-->\n"
            declaration, sep, rest = body.partition("?>\n")
            if not sep:
                return comment + body
            return declaration + sep + comment + rest
    raise ValueError(f"unknown network format {fmt!r}: bif or xmlbif")


def read_network(text: str, fmt: Format) -> dict[str, float]:
    """Read a file written by `network_file` back with pgmpy and query it as the file says.

    Returns the posterior of each explanation (by hypotrack id) and of each `R_` node (keyed
    `R:<source id>`), every E_ node set to present. Used by the tests and by anyone who wants
    to check an export.
    """
    lib = _pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFReader, XMLBIFReader  # noqa: PLC0415

        if fmt == "bif":
            model = BIFReader(string=text, include_properties=True).get_model()
        else:
            model = XMLBIFReader(string=text).get_model()
        props = {node: model.nodes[node].get("hypotrack", "") for node in model.nodes}
        kind, _, pairs = props["H"].partition(" ")
        state_to_id = dict(pair.split(":", 1) for pair in pairs.split())
        evidence = {node: "present" for node in model.nodes if node.startswith("E_")}
        targets = ["H"] + sorted(node for node in model.nodes if node.startswith("R_"))
        result = lib["VariableElimination"](model).query(
            targets, evidence=evidence or None, joint=False, show_progress=False
        )
    out: dict[str, float] = {}
    h_factor = result["H"]
    for state_name in h_factor.state_names["H"]:
        out[state_to_id[state_name]] = float(h_factor.get_value(H=state_name))
    for node in targets[1:]:
        source = props[node].partition(" ")[2]
        out["R:" + source] = float(result[node].get_value(**{node: "reliable"}))
    return out
