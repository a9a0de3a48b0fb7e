"""The evaluators' SPARQL query library (``*.rq`` files) and its runner."""
