"""Plan-drafting and Q&A assistant for Swedish municipal plans and reports."""

__version__ = "0.1.0"
