"""Ports to the outside world; each has a module-level factory that tests can replace."""
