"""Provider organisations' profiles, document vault and members."""
