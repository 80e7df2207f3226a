"""Socket.IO: rooms and presence, message handlers, live frame analysis."""
