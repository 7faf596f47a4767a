"""DBK3xx: engines, clients, sessions and connections built per call or per request;
HTTP calls without a shared session; pool settings."""
