"""okr-tui: review and publish the EGI Federation quarterly OKR statistics."""

__version__ = "0.1.0"
