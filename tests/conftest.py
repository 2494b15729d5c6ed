"""Shared pytest configuration of the top-level tests."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a test that takes more than 20 seconds")
