"""Writing results: the Format registry and one writer module per output format."""
