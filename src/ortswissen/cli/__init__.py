"""Command-line interface: ``ortswissen <noun> <verb>``. Commands parse and delegate to services."""
