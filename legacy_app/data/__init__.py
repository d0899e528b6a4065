"""The sample points file shipped with the package: ``sample_points.csv``."""
