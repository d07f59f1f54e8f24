"""Rasa graph components that adapt bot.nlu to the Rasa NLU pipeline."""
