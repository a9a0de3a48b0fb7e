"""The policykg ontology (OWL), SHACL shapes, SKOS schemes and generated namespace."""
