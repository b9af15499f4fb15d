"""Output: report formats, GitHub annotations, SARIF, statistics, graph exports and where they are written."""
