"""Bulk imports: one mechanism (``base``), one module per kind of record, their registry
(``registry``)."""
