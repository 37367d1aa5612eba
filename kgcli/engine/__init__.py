"""Running SPARQL on local graphs: lexing and checks, the catalogue, loading, stores, results."""
