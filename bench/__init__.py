"""`make bench`: the pipeline's non-network path against a bare baseline on synthetic data."""
