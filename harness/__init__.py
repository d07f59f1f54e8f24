"""Running the real servers (Rasa, actions, website, nginx) for the tests and the benchmarks."""
