"""Audio analysis: decoding any recording to 16 kHz mono, speech (Silero VAD) and voice counts.

``proctor analyze`` uses it for audio files and the audio track of videos; the pieces
(``decode``, ``vad``, ``encoder``, ``voices``) are meant for the live path too.
"""
