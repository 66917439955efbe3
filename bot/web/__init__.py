"""The HTTP service: search API, passage pages to link to, and the Telegram webhook."""
