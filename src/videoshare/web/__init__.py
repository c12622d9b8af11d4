"""The web app: a Preact + htm single-page app served by the ingress at `/` (no build step)."""
