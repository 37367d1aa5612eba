"""Remote SPARQL servers: the client, named endpoints, a graph source over HTTP, and push."""
