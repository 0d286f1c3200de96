"""The domain's plain-Python base: declarations and rules that need no database session.

``errors`` (the refusals every layer raises, and ``payload``: their one mapping to HTTP),
``validators`` (field validators), ``rules`` (record rules comparing a record's own fields),
``dossier`` and ``checklists`` (what the seeds declare: materials per clause, review checks,
the on-site checklists), ``workdays`` (working days on the State Council calendar) and
``integrity`` (database refusals explained in Chinese).

Part of the base (see ``app``): it imports nothing of the layers above it — no models,
services, workflows, commands, reports or doors — so every layer may use it. Policy numbers
live in ``app.policy``, area rules that read the database in ``app.services``, the approval
flows in ``app.workflows``.
"""
