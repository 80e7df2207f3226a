"""What travels on the wire, shared by both transports (REST in ``api``, Socket.IO in
``realtime``) and by the capabilities beside them (alerts, audio, identity): request bodies and
their field types (``schemas``), the JSON of sessions, events and chat (``views``), and the
rules for what a client says about its own events (``events``)."""
