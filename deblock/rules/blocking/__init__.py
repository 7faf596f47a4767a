"""DBK1xx: blocking I/O on the event loop, directly or through project code."""
