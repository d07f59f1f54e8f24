"""The demo provider website: login, the chat widget page and evidence uploads."""
