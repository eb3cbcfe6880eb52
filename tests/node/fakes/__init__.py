"""Faithful fakes of each runtime's local seam (docs/protocol/runtimes.md §12): they speak the exact wire protocol and
record it."""
