"""Getting documents from outside: files, URLs and the official Dutch sources."""
