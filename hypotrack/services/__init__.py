"""What the command line and the app both do with cases, above the store and the reasoning.

Listing the store's cases, resolving a FILE|CASE argument, finding teaching cases and keeping
training runs: plain Python (no Textual, no argparse), so `cli` and `tui` share one of each.
Services may import `domain`, `reasoning`, `store` and `report`; only `cli` and `tui` import
services (DESIGN §8).
"""
