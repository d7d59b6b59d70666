"""The network of DESIGN §3 as a pgmpy model: the reference, and the source of BIF exports.

Importing pgmpy costs about 3–4 s on a 2-core machine (it pulls in pandas, scikit-learn and
statsmodels), so this module is imported only by code that needs the model itself: the
reference checks, the BIF/XMLBIF writers and the app's background worker.

Nodes: `H` (states: the live hypothesis ids), `R_<source>` for each source with reliability
below 1 (states `reliable`, `unreliable`), `E_<item>` for each live item (states `present`,
`absent`; observed `present`). Ids are sanitised for the file formats by `node_name`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

from hypotrack.domain.state import CaseState

_PGMPY: dict[str, Any] = {}


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


def node_name(prefix: str, ident: str) -> str:
    """A node name of letters, digits and underscores, one to one with the id.

    Ids are lowercase slugs, so `-` becomes `_` and an id's own `_` becomes `U_` (an upper-case
    letter never occurs in an id): `e-1` and `e_1` stay two nodes.
    """
    return prefix + re.sub(r"[^A-Za-z0-9_]", "_", ident.replace("_", "U\x00")).replace(
        "U_", "U_"
    ).replace("\x00", "_")


def plain_name(prefix: str, ident: str) -> str:
    """For a state whose ids are already file names (the BIF writer renames first)."""
    return prefix + ident


def build_network(
    state: CaseState, power: float = 1.0, name: Callable[[str, str], str] = node_name
) -> tuple[Any, dict[str, str]]:
    """A `DiscreteBayesianNetwork` for the state; `power` raises every likelihood (tempering).

    Returns the model and the evidence to set on it (node -> 'present').
    """
    lib = _pgmpy()
    TabularCPD = lib["TabularCPD"]
    live = state.live_hypotheses
    total = sum(state.hypotheses[h].spec.prior for h in live)
    model = lib["DiscreteBayesianNetwork"]()
    model.add_node("H")
    cpds = [
        TabularCPD(
            "H",
            len(live),
            [[state.hypotheses[h].spec.prior / total] for h in live],
            state_names={"H": list(live)},
        )
    ]
    uncertain = {s.id: s.reliability for s in state.sources.values() if s.reliability < 1.0}
    for source_id, r in uncertain.items():
        node = name("R_", source_id)
        model.add_node(node)
        cpds.append(
            TabularCPD(node, 2, [[r], [1.0 - r]], state_names={node: ["reliable", "unreliable"]})
        )
    evidence: dict[str, str] = {}
    for item in state.live_items:
        node = name("E_", item.id)
        mean = item.mean**power
        likes = [item.of(h) ** power for h in live]
        source = item.spec.source
        if source in uncertain:
            r_node = name("R_", source)
            model.add_edges_from([("H", node), (r_node, node)])
            # Columns: H varies slowest, R fastest (pgmpy's evidence order).
            present = []
            for like in likes:
                present.extend([like, mean])
            cpds.append(
                TabularCPD(
                    node,
                    2,
                    [present, [1.0 - p for p in present]],
                    evidence=["H", r_node],
                    evidence_card=[len(live), 2],
                    state_names={
                        node: ["present", "absent"],
                        "H": list(live),
                        r_node: ["reliable", "unreliable"],
                    },
                )
            )
        else:
            model.add_edge("H", node)
            cpds.append(
                TabularCPD(
                    node,
                    2,
                    [likes, [1.0 - p for p in likes]],
                    evidence=["H"],
                    evidence_card=[len(live)],
                    state_names={node: ["present", "absent"], "H": list(live)},
                )
            )
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
    model, evidence = build_network(state, power)
    uncertain = [s.id for s in state.sources.values() if s.reliability < 1.0]
    targets = ["H"] + [node_name("R_", s) for s in uncertain]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = lib["VariableElimination"](model).query(
            targets, evidence=evidence or None, joint=False, show_progress=False
        )
    h_factor = result["H"]
    posterior = {h: float(h_factor.get_value(H=h)) for h in state.live_hypotheses}
    reliability = {s.id: s.reliability for s in state.sources.values()}
    for s in uncertain:
        node = node_name("R_", s)
        reliability[s] = float(result[node].get_value(**{node: "reliable"}))
    return posterior, reliability
