"""Pure rules of the notifications context: no I/O, no framework imports."""
