"""Plain-Python domain rules: validation, policy, calendars and workflows live here, not in views."""
