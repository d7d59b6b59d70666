"""The footer of the app's main screens: steady, and compact in a narrow window."""

from __future__ import annotations

from textual import events

from hypotrack.tui.widgets.training import SteadyFooter

# Below this width (an 80-column terminal) the keys sit closer together, so that all fit.
NARROW = 100


class AppFooter(SteadyFooter):
    """A footer that rebuilds only when its keys change and goes compact below 100 columns."""

    def on_resize(self, event: events.Resize) -> None:
        compact = 0 < event.size.width < NARROW
        if compact != self.compact:
            self.compact = compact
