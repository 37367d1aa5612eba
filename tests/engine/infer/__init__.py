"""Inference tests (#14): a package, so that its conftest is not taken for tests/conftest.py."""
