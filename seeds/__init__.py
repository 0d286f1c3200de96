"""Reference data (kept in the repository under seeds/data) and demo/synthetic data loaders."""
