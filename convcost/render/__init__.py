"""What the commands show: one view per command (analyze.py, compare.py, layer.py, ...: its
rows with exact values and every derived number, computed once) and the backends that only
format a view (backends.py: Markdown, LaTeX, JSON, CSV; table.py: the terminal table);
units.py turns numbers into text. Nothing here computes a cost or knows the command line."""
