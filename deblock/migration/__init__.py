"""Sync→async migration analysis: the hazards that stop or complicate recolouring a
function (`hazards.py`, reported today by the DBK5xx rules) and the migration plan built
on them."""
