"""The allocation rules behind commissioning.panels.allocation.allocate (pure code, no database)."""
