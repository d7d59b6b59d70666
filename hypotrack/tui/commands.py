"""The command palette: every action of the current screen, by its namespaced name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from hypotrack.tui.actions import UserAction


class CaseCommands(Provider):
    """'case: …', 'evidence: …', 'view: …' entries for the screen the palette was opened on."""

    def _actions(self) -> list[UserAction]:
        actions = list(getattr(self.screen, "ACTIONS", ()))
        actions += [a for a in getattr(self.app, "APP_ACTIONS", ()) if a.action == "help"]
        return actions

    def _run(self, action: UserAction) -> partial[object]:
        if action.action == "help":
            return partial(self.app.run_action, "help")
        return partial(self.screen.run_action, action.action)

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.command, self._run(action), help=action.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            score = matcher.match(action.command)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(action.command), self._run(action), help=action.help
                )
