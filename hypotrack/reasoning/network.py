"""The network of DESIGN §3 as a pgmpy model: the reference, and the source of BIF exports.

Importing pgmpy costs about 3–4 s on a 2-core machine (it pulls in pandas, scikit-learn and
statsmodels), so this module is imported only by code that needs the model itself: the
reference checks, the BIF/XMLBIF writers and the app's background worker.

The model is built from a `NetworkSpec` (`spec.py`). Nodes: `H` (states: the live hypotheses),
`R_<source>` for each source with reliability below 1 (states `reliable`, `unreliable`), `E_<item>`
for each live item (states `present`, `absent`; observed `present`).

Names. hypotrack's ids are slugs (`family-account`, `2nd-visit`); BIF and XMLBIF want
identifiers. pgmpy's XMLBIF writer silently replaces what it dislikes, and tools that follow the
XMLBIF note want state names that start with a letter. So every id is mapped once, by `NameMap`,
for the reference and the files alike: characters other than letters, digits and `_` become `_`;
a hypothesis id that does not start with a letter gets `h_` in front; two ids that would meet
(`a-b` and `a_b`) are kept apart with `_2`, `_3`...
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from hypotrack.domain.state import CaseState
from hypotrack.reasoning.spec import ItemTerm, NetworkSpec

_PGMPY: dict[str, Any] = {}

NOT_NAME = re.compile(r"[^A-Za-z0-9_]")
RELIABILITY_STATES = ["reliable", "unreliable"]
ITEM_STATES = ["present", "absent"]


def _pgmpy() -> dict[str, Any]:
    """Import pgmpy once, quietly: it warns on import and shows progress bars by default."""
    if not _PGMPY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgmpy  # noqa: PLC0415
            from pgmpy.factors.discrete import TabularCPD  # noqa: PLC0415
            from pgmpy.inference import VariableElimination  # noqa: PLC0415
            from pgmpy.models import DiscreteBayesianNetwork  # noqa: PLC0415

            pgmpy.config.set_show_progress(False)
        _PGMPY.update(
            TabularCPD=TabularCPD,
            VariableElimination=VariableElimination,
            DiscreteBayesianNetwork=DiscreteBayesianNetwork,
        )
    return _PGMPY


def _unique(ident: str, taken: set[str], lead: str = "") -> str:
    name = NOT_NAME.sub("_", ident)
    if lead and not name[:1].isalpha():
        name = lead + name
    base, n = name, 2
    # Compare without case: BIFReader matches parent names to variables case-insensitively.
    while name.lower() in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name.lower())
    return name


@dataclass
class NameMap:
    """hypotrack id -> name in the model, for the explanations (H's states), uncertain sources
    (`R_` + name) and live items (`E_` + name)."""

    hypotheses: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: NetworkSpec) -> NameMap:
        names = cls()
        taken: set[str] = set()
        for h in spec.hypotheses:
            names.hypotheses[h] = _unique(h, taken, lead="h_")
        # Node names carry a prefix (E_, R_), so they never meet a state name or H.
        taken = {"h"}
        for source in spec.uncertain:
            names.sources[source.id] = _unique(source.id, taken)
        taken = {"h"}
        for item in spec.items:
            names.items[item.id] = _unique(item.id, taken)
        return names


def _item_cpd(
    lib: dict[str, Any],
    item: ItemTerm,
    node: str,
    r_node: str | None,
    hypotheses: list[str],
    states: list[str],
    power: float,
) -> Any:
    """P(E_i = present | H[, R_s]): L_i(h) if reliable, ā_i if not (both raised to `power`).

    `hypotheses` are H's states as hypotrack ids, `states` the same under their node names.
    """
    mean = item.mean**power
    likes = [item.of(h) ** power for h in hypotheses]
    if r_node is None:
        parents, cards, present = ["H"], [len(states)], likes
    else:
        # Columns: H varies slowest, R fastest (pgmpy's evidence order).
        parents, cards = ["H", r_node], [len(states), 2]
        present = [p for like in likes for p in (like, mean)]
    names = {node: ITEM_STATES, "H": states}
    if r_node is not None:
        names[r_node] = RELIABILITY_STATES
    return lib["TabularCPD"](
        node,
        2,
        [present, [1.0 - p for p in present]],
        evidence=parents,
        evidence_card=cards,
        state_names=names,
    )


def build_network(
    spec: NetworkSpec, power: float = 1.0, names: NameMap | None = None
) -> tuple[Any, dict[str, str]]:
    """A `DiscreteBayesianNetwork` for the spec; `power` raises every likelihood (tempering).

    Nodes and H's states are named by `names` (default: `NameMap.of(spec)`). Returns the model
    and the evidence to set on it (node -> 'present').
    """
    lib = _pgmpy()
    names = names or NameMap.of(spec)
    TabularCPD = lib["TabularCPD"]
    hypotheses = spec.hypotheses
    states = [names.hypotheses[h] for h in hypotheses]
    model = lib["DiscreteBayesianNetwork"]()
    model.add_node("H")
    cpds = [TabularCPD("H", len(states), [[p] for p in spec.priors()], state_names={"H": states})]
    for source in spec.uncertain:
        node = "R_" + names.sources[source.id]
        model.add_node(node)
        r = source.reliability
        cpds.append(TabularCPD(node, 2, [[r], [1.0 - r]], state_names={node: RELIABILITY_STATES}))
    evidence: dict[str, str] = {}
    for item in spec.items:
        node = "E_" + names.items[item.id]
        source = names.sources.get(item.source)
        r_node = None if source is None else "R_" + source
        model.add_edges_from([("H", node)] if r_node is None else [("H", node), (r_node, node)])
        cpds.append(_item_cpd(lib, item, node, r_node, hypotheses, states, power))
        evidence[node] = "present"
    model.add_cpds(*cpds)
    model.check_model()
    return model, evidence


def query_network(
    state: CaseState, power: float = 1.0
) -> tuple[dict[str, float], dict[str, float]]:
    """Posterior of each live hypothesis and of each uncertain source's reliability, by pgmpy.

    VariableElimination with the default greedy elimination order, all targets in one call
    (`joint=False`). pgmpy multiplies probabilities, so very long cases underflow: this is the
    reference for the fast path, not a replacement for it.
    """
    lib = _pgmpy()
    spec = NetworkSpec.of(state)
    names = NameMap.of(spec)
    model, evidence = build_network(spec, power, names)
    r_nodes = {s.id: "R_" + names.sources[s.id] for s in spec.uncertain}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = lib["VariableElimination"](model).query(
            ["H", *r_nodes.values()], evidence=evidence or None, joint=False, show_progress=False
        )
    h_factor = result["H"]
    posterior = {h: float(h_factor.get_value(H=names.hypotheses[h])) for h in spec.hypotheses}
    reliability = {s.id: s.reliability for s in spec.sources}
    for source, node in r_nodes.items():
        reliability[source] = float(result[node].get_value(**{node: "reliable"}))
    return posterior, reliability
