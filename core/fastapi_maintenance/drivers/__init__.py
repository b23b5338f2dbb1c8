"""First-party drivers. The core never imports them: they are found through entry points."""
