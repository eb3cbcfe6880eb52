"""Faithful fakes of each runtime's local seam (spec 10 §12): they speak the exact wire protocol and record it."""
