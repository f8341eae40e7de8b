"""RealtyForYou shared layer: the domain packages every function imports."""

__version__ = "1.0.0"
