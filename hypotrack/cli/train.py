"""`train`: training mode, and the trainer's summary of runs."""

from __future__ import annotations

import argparse
from typing import Any

from hypotrack.cli.errors import BadInput
from hypotrack.cli.json_out import emit_json
from hypotrack.cli.lookup import open_store
from hypotrack.cli.tables import table
from hypotrack.domain.wording import from_iso, moment_column


def resolve_training_ref(ref: str, store: Any) -> tuple[str, str]:
    """('case', teaching case id) or ('run', run id) for a name given to `train`; BadInput when
    it names neither a teaching case (file stem, file, case id) nor a stored training run."""
    from hypotrack.services.training import TrainingLookupError, resolve_training

    try:
        return resolve_training(ref, store)
    except TrainingLookupError as exc:
        raise BadInput(
            f"{exc}; 'hypotrack train --summary' with no name lists every run of every case"
        ) from None


def summary_table(rows: list[dict[str, Any]]) -> str:
    """The trainer's overview as a text table, a row per run."""

    def num(value: float | None, fmt: str = "{:.3f}") -> str:
        return "—" if value is None else fmt.format(value)

    def revised(r: dict[str, Any]) -> str:
        if r["revised_at"] is not None:
            return f"item {r['revised_at']}"
        if not r["judgements"]:
            return "—"
        return "never" if r["finished"] else "not yet"

    table_rows = [
        [
            r["run"],
            r["trainee"] or "?",
            r["case"] or "?",
            moment_column(from_iso(r["started"])),
            r["status"],
            revised(r),
            num(r["revision_delay"], "{:+d}"),
            num(r["brier"]),
            num(r["brier_network"]),
            num(r["mean_gap"], "{:.2f}"),
            ", ".join(r["flags"]) or "—",
        ]
        for r in rows
    ]
    header = [
        "run",
        "trainee",
        "case",
        "started (UTC)",
        "status",
        "revised",
        "delay",
        "Brier",
        "network Brier",
        "gap",
        "flags fired",
    ]
    return table(table_rows, header)


def cmd_train(args: argparse.Namespace) -> int:
    if not args.summary:
        return _play(args)
    from hypotrack.reasoning.training import cohort
    from hypotrack.services.training import runs_of

    store = open_store(args.store)
    try:
        kind, ident = resolve_training_ref(args.case, store) if args.case else ("all", None)
        rows = runs_of(store, kind, ident)
    finally:
        store.close()
    if args.json:
        emit_json(
            {
                "case": ident if kind == "case" else None,
                "run": ident if kind == "run" else None,
                "runs": rows,
                "cases": cohort(rows),
            }
        )
    elif not rows:
        where = f"of '{ident}' " if kind == "case" else ""
        print(f"No training runs {where}in the store yet.")
    else:
        _print_summary(kind, ident, rows)
    return 0


def _play(args: argparse.Namespace) -> int:
    """Training mode in the app: the picker, a teaching case to play, or a stored run."""
    if args.case:  # a name that is neither a teaching case nor a run: say so, exit 2
        store = open_store(args.store)
        try:
            resolve_training_ref(args.case, store)
        finally:
            store.close()
    from hypotrack.tui.app import run_app

    return run_app(store_path=args.store, training=args.case or "", coach=args.coach)


def _print_summary(kind: str, ident: str | None, rows: list[dict[str, Any]]) -> None:
    """The trainer's table of runs, the means per teaching case, and how to read them."""
    what = {"case": f" of '{ident}'", "run": f": run '{ident}'"}.get(kind, "")
    print(f"Training runs{what}: {len(rows)}")
    print(summary_table(rows))
    if kind != "run":
        print("\nBy teaching case (means over finished runs):")
        print(cohort_table(rows))
    print(
        "\nStatus: how many items were judged. An unfinished run shows no delay or Brier score: "
        "they would give the answer away. Delay: items after the author's revision point "
        "(negative: early). Brier: lower is better (0 = certain and right), against the "
        "explanation that turned out true. A finished run's debrief: "
        "hypotrack export RUN --format html|md."
    )


def cohort_table(rows: list[dict[str, Any]]) -> str:
    """The runs' means per teaching case as a text table."""
    from hypotrack.reasoning.training import cohort

    crow = [
        [
            c["case"] or "?",
            str(c["runs"]),
            str(c["finished"]),
            "—" if c["mean_revision_delay"] is None else f"{c['mean_revision_delay']:+.1f}",
            "—" if c["mean_brier"] is None else f"{c['mean_brier']:.3f}",
            "—" if c["mean_brier_network"] is None else f"{c['mean_brier_network']:.3f}",
        ]
        for c in cohort(rows)
    ]
    return table(crow, ["case", "runs", "finished", "mean delay", "mean Brier", "network Brier"])
