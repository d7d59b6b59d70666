"""hypotrack: keep competing explanations open and notice when a favoured one stays fixed."""

__version__ = "0.1.0"
