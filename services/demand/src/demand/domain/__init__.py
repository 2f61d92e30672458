"""Pure rules of the demand context: no I/O, no framework imports."""
