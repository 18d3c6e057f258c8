"""Review: reading an edited draft back and checking it against the databases."""
