"""Values: the one base of hypotrack's immutable values (STYLE: "results are frozen values").

Every value that crosses a layer is a `Value`: the case model's parts and events
(`domain/model.py`), what the reasoning hands back (`domain/results.py`, `reasoning/diff.py`,
`reasoning/training.py`, `reasoning/explain.py`), a loaded case file. A screen, a report or the
command line receives one and cannot change it.

`StrictValue` adds one rule for values read from outside — the case model (events kept in the
store, or built from a case file) and the case-file schema (`domain/casefile/models.py`): an
unknown field is an error, so a misspelt key never silently drops data (DESIGN §2). A `Value`
ignores unknown fields, as the results always have.

Not `Value`s, on purpose (frozen dataclasses instead):

- The values of the timeline walk and the engine (`reasoning/timeline.py` `Step`,
  `FlagTransition`, `FlagCounts`; `reasoning/engine.py` `Snapshot`). They are built once per
  event of every walk (replay, reports, diffs and training all walk). Measured (a 9-field
  `Step`, pydantic 2, this machine under load): validating one costs 9.4 µs against 5.1 µs for
  the slotted dataclass, and reading a field 148 ns against 82 ns. Validation would also copy
  `Snapshot.reliability`, a mapping computed lazily per source, into a dict: every source's
  reliability at every step.
- `reasoning/explain.py` `Movement`: read-only views (`MappingProxyType`) of the engine's
  snapshots, not copies.
- Records built positionally from a store's rows or a parser's nodes (`store/base.py`
  `StoredEvent`, `ChainHead`, `VerifyProblem`, `CaseSummary`; `casefile/strict_yaml.py`
  `Problem`), the report's view rows (`report/content.py`, built in bulk for a 20,000-item
  case) and the app's screen models (`tui/`; `StepView` holds the folded `CaseState`, which is
  not a value).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    """An immutable value: assigning to a field raises; equal fields make equal values."""

    model_config = ConfigDict(frozen=True)


class StrictValue(Value):
    """A value read from outside (a case file, the store): an unknown field is an error."""

    model_config = ConfigDict(extra="forbid")
