"""Loaders: readers (file -> Document), template parsers (Document -> records), resolve."""
