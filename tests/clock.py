"""A clock tests can move."""


class FakeClock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now
