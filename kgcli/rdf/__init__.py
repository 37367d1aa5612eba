"""RDF itself: namespaces and prefixes, XSD datatypes, IRIs, and the characters XML can carry."""
