"Writers of miniature sources in the exact layouts of the real datasets, for tests and tutorials."
