"""Network analytics (networkx) and offline HTML views."""
