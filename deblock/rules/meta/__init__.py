"""DBK0xx and DBK9xx: findings about the run itself (unparsable files, failed fixes)."""
