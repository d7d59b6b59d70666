"""The network as of a moment, written as BIF or XMLBIF through pgmpy's writers (DESIGN §6).

Other Bayesian-network tools (GeNIe, Hugin, SamIam, bnlearn, pgmpy itself) open these files.
The network is the one of DESIGN §3, built by `network.build_network`:

- `H`: the live explanations; its prior comes from their weights.
- `R_<source>`: "this source's reports are reliable" (`reliable`/`unreliable`), one for each
  source the worker rates below 1.
- `E_<item>`: one for each live evidence item (`present`/`absent`); every one was observed
  `present`. P(present | h, reliable) = L(h); P(present | h, unreliable) = the mean of the
  item's likelihoods as entered.

Names. hypotrack's ids are slugs (`family-account`, `2nd-visit`); BIF and XMLBIF want
identifiers. pgmpy's XMLBIF writer silently replaces what it dislikes, and tools that follow
the XMLBIF note want state names that start with a letter. So every id is mapped once, here:
characters other than letters, digits and `_` become `_`; a hypothesis id that does not start
with a letter gets `h_` in front; two ids that would meet (`a-b` and `a_b`) are kept apart with
`_2`, `_3`... The mapping is written twice: in a comment at the top of the file, for people,
and as one `hypotrack` property per node, for programs (XMLBIF keeps a single property per
node, so it is one). Case text (labels, the items' wording) is never written: the file holds
the structure and the numbers only.

Only `reasoning/` imports pgmpy; pgmpy objects do not leave this module.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hypotrack.domain.state import CaseState, fold
from hypotrack.domain.timeline import Timeline
from hypotrack.reasoning.network import _pgmpy, build_network, plain_name

Format = Literal["bif", "xmlbif"]

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")


@dataclass
class NameMap:
    """hypotrack id -> name in the file, for the explanations (H's states), sources and items."""

    hypotheses: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)

    def hypothesis_of_state(self) -> dict[str, str]:
        return {name: ident for ident, name in self.hypotheses.items()}


def _unique(ident: str, taken: set[str], lead: str = "") -> str:
    name = _NOT_NAME.sub("_", ident)
    if lead and not name[:1].isalpha():
        name = lead + name
    base, n = name, 2
    # Compare without case: BIFReader matches parent names to variables case-insensitively.
    while name.lower() in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name.lower())
    return name


def name_map(state: CaseState) -> NameMap:
    """File names for the state's live explanations, uncertain sources and live items."""
    names = NameMap()
    taken: set[str] = set()
    for h in state.live_hypotheses:
        names.hypotheses[h] = _unique(h, taken, lead="h_")
    # Node names carry a prefix (E_, R_), so they never meet a state name or H.
    taken = {"h"}
    for source in state.sources.values():
        if source.reliability < 1.0:
            names.sources[source.id] = _unique(source.id, taken)
    taken = {"h"}
    for item in state.live_items:
        names.items[item.id] = _unique(item.id, taken)
    return names


def _renamed(state: CaseState, names: NameMap) -> CaseState:
    """The same network under the file's names: `build_network` then needs no renaming."""

    def hyp(ident: str) -> str:
        return names.hypotheses.get(ident, ident)

    out = CaseState(info=state.info)
    for h in state.live_hypotheses:
        hs = state.hypotheses[h]
        new = hyp(h)
        out.hypotheses[new] = replace(hs, spec=hs.spec.model_copy(update={"id": new}))
    for source in state.sources.values():
        new = names.sources.get(source.id, source.id)
        out.sources[new] = replace(source, spec=source.spec.model_copy(update={"id": new}))
    for item in state.live_items:
        new = names.items[item.id]
        source = names.sources.get(item.spec.source, item.spec.source)
        # Unrated explanations stay unrated (neutral), as in the case. Retired explanations
        # leave H, but their likelihoods still count in the item's mean ā (DESIGN §2): the
        # copy keeps the original mean rather than recompute it from what is left.
        likelihood = {hyp(h): p for h, p in item.likelihood.items() if h in names.hypotheses}
        spec = item.spec.model_copy(update={"id": new, "source": source})
        out.items[new] = _FixedMeanItem(
            spec=spec,
            recorded=item.recorded,
            step=item.step,
            likelihood=likelihood,
            fixed=item.mean,
        )
    return out


@dataclass
class _FixedMeanItem:
    """An item for `build_network` whose neutral mean is the original item's."""

    spec: Any
    recorded: datetime
    step: int
    likelihood: dict[str, float]
    fixed: float
    retracted: datetime | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def live(self) -> bool:
        return True

    @property
    def mean(self) -> float:
        return self.fixed

    def of(self, hypothesis: str) -> float:
        return self.likelihood.get(hypothesis, self.fixed)


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


def network_file(events: list[Any], fmt: Format, as_of: datetime | None = None) -> str:
    """The network as of `as_of` (inclusive; default: the last event) as BIF or XMLBIF text."""
    Timeline.of(events).check(as_of)  # BeforeOpened (a ValueError): nothing on file then
    state = fold(events, as_of)
    if not state.live_hypotheses:
        raise ValueError("the case has no open explanations at that moment: there is no network")
    names = name_map(state)
    model, _ = build_network(_renamed(state, names), name=plain_name)
    model.name = _NOT_NAME.sub("_", state.info.id)
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
