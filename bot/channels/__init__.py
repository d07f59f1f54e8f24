"""Rasa input channels (these modules import Rasa; the domain core does not)."""
