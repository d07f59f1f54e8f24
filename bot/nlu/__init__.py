"""Chinese text handling for the NLU pipeline (pure Python; the Rasa adapters are in nlu_components)."""
