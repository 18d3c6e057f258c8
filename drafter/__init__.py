"""drafter: draft a Chinese government office's year-end report from its databases."""

__version__ = "0.1.0"
