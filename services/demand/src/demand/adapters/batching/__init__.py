"""The aggregator's fast path: what lets a batch of need events cost a few statements.

- `cache`: what one batch reads once and keeps, and the repositories answering from it;
- `bundle_parts`: a bundle's shares, lines and trail as plain rows beside it;
- `locks`: per item, the right to open a bundle of it;
- `bulk_writes`: many rows in one statement, at the driver's speed;
- `ahead`: on PostgreSQL, the rows of the needs placed written while the next are placed;
- `rows`: rows read straight into plain objects.

The plain repositories (`adapters/repository.py`) use the bundle parts and the locks; the
unit of work swaps in the batch's repositories for the length of a batch.
"""
