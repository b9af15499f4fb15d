"""The engine: load a vault, run the rules over it, and return a report."""
