"""Python's cyclic garbage collector around a case held open in the app.

Opening a case builds tens of thousands of objects at once (its events, the folded state, the
workspace's widgets): enough to set off the collector's full collections in the middle of the
open, each scanning every object the process holds. Measured on a 1,000-item case (2 cores):
of ~300 ms of the app's own CPU time to a drawn workspace, ~100-200 ms went to the collector
(about 150 young collections and one or two full ones). So:

- `pause` while a case opens: no collection until the workspace is drawn;
- `settle` once it is drawn: everything alive now (the app, the case, the screens) is long-lived,
  so it is frozen out of later collections (`gc.freeze`); the collector runs again, and each
  save then scans only what was made since;
- `release` when the case is closed: the frozen objects are ordinary again, and one collection
  (after the list of cases is drawn) frees what the closed case left in reference cycles.

The app leaves the collector as it found it when it stops (`reset`, for a process that runs
more than one app, such as the tests).

Reference counting is untouched: memory that is not in a cycle is freed at once, as always.
"""

from __future__ import annotations

import gc


def pause() -> None:
    """No cyclic collection until `settle` (the case being opened is kept anyway)."""
    gc.disable()


def resume() -> None:
    """Collect again (the case did not open)."""
    gc.enable()


def settle() -> None:
    """The case is open and drawn: freeze what is alive, and collect again from here on."""
    gc.freeze()
    gc.enable()


def release() -> None:
    """The case was closed: what was frozen can be collected again; collect it now."""
    gc.unfreeze()
    gc.collect()


def reset() -> None:
    """The app stops: nothing stays frozen, and the collector runs."""
    gc.unfreeze()
    gc.enable()
