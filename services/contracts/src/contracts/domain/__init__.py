"""Pure rules of the contracts context: no I/O, no framework imports."""
