"""Settings an administrator can change in the app (thresholds, approval stages)."""
