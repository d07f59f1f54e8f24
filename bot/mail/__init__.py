"""E-mail intake and replies: a service of its own (`python -m bot.mail`)."""
