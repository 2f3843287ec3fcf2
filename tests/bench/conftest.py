"""The benchmarks' own marker (to move to ``pyproject.toml``'s ``markers`` with the others)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "bench: prepares a benchmark of bench/ at its smallest scale and measures once (CI smoke run)"
    )
