"""Service specifications: written from prioritised needs, versioned, approved, exported."""
