"""Networks from a graph: profiles, RDF -> networkx, analyses, and exports for Gephi."""
