"""DBK5xx: async-migration hazards that are bugs today (see `deblock/migration/hazards.py`)."""
