"""Memory per idle attachment: server RSS growth divided by the number of open attachments.

    .venv/bin/python bench/attach_memory.py [--agents 500] [--rounds 3]

Kept for the README's command: bench/attach_idle.py with a 5 s idle window and no second attach
phase (see there; it also reports attach time and idle CPU, for ours and Go).
"""

from __future__ import annotations

import sys

from attach_idle import main

if __name__ == "__main__":
    main(["--total", "0", "--idle", "5", *sys.argv[1:]])
