"""Resolve: turn mentions into entities.

Normalise names (case, accents, plural, OCR slips), expand acronyms from the gazetteer,
tell named organisations from generic categories and professions (with their employer),
parse cross-references, funding lines (amounts, shares) and dated legal references.
"""
