"""Administration pages: people, organisations, audit log and the mail outbox."""
