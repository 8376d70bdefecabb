"""Weapons: railgun projectiles (and, later, batteries and lethality)."""
