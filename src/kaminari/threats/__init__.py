"""Threats: glide vehicles, guidance plans and their flyout."""
