"""The review back office: an authenticated HTTP API and a command line over the workflow."""
