"""Template parsers: one per fiche layout, each turning a Document into an Extraction."""
