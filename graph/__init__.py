"""Graph: records -> RDF mapper, IRIs, store, build pipeline and export."""
