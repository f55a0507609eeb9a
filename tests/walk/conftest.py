from walk.reader_project import SHAPES


def pytest_xdist_auto_num_workers(config):
    """`-n auto`, as the walk session passes it: one worker per shape, all side by side (each in a network of its own)."""
    return len(SHAPES)
