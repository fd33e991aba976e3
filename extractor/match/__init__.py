"""Matching: pattern packs, labels found on a page, values paired with them by geometry, scored."""
