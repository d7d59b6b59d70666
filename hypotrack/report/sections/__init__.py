"""Content builders, one per section of the case report (`content.gather` puts them together).

Sections that need the case as it stood at earlier moments (the flags' history, the judgements,
the belief lines) are readers of the one timeline walk: `gather` hands each step to their `take`
once, and they keep only what they show, so a report is linear in the case's size. The others
read the case as folded at the report's moment, or its events.
"""
