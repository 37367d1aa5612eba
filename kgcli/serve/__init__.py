"""`kg serve`: a SPARQL 1.1 Protocol endpoint over a local graph."""
