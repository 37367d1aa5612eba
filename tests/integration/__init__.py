"""Integration tests: real SPARQL servers started on 127.0.0.1 (marked `integration`)."""
