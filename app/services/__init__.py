"""Use cases (workflow steps, numbering, imports) as plain Python callable without HTTP."""
