"""The third tier of errors: anything unexpected in a handler becomes a modal, not a dead screen.

Textual's default for an exception in a handler is to exit the app with a traceback. A worker in
the middle of a case would lose nothing (every entry is stored as it is made) but would be thrown
out of the app; so every `action_*` and `on_*` method of our screens is wrapped: an exception
there is shown in full, copyable, and the app carries on.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from hypotrack.domain.errors import failure_report

T = TypeVar("T", bound=type)


def error_text(exc: BaseException) -> str:
    """The copyable text of an unexpected error: frames and types, never a message that may
    quote case text (see `domain.errors.failure_report`)."""
    return failure_report(exc)


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def async_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except Exception as exc:
                self.app.show_unexpected(exc)
                return None

        return async_wrapper

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            self.app.show_unexpected(exc)
            return None

    return wrapper


def guard_handlers(cls: T) -> T:
    """Wrap the class's own `action_*` and `on_*` methods so an exception opens the error modal."""
    for name, value in list(vars(cls).items()):
        if (name.startswith("action_") or name.startswith("on_")) and inspect.isfunction(value):
            setattr(cls, name, _guarded(value))
    return cls


class Guarded:
    """Mixin for screens: every subclass's own `action_*` and `on_*` methods are guarded (see
    the module's docstring), and a worker that fails shows its error the same way (a worker's
    state change does not bubble, so each screen that runs workers hears it here)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        guard_handlers(cls)

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.app.show_unexpected(event.worker.error)  # type: ignore[attr-defined]
