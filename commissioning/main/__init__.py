"""Public home page, dashboards, health check and error pages."""
