"""template.yaml as data (see tools.template)."""

from tools.template import ROOT, api_routes, resources, template

__all__ = ["ROOT", "api_routes", "resources", "template"]
