"""videoshare: a video-sharing service built as an event-driven pipeline on AWS primitives."""
