"""The `flask import` commands: bringing comments in from other platforms (the work is in services.importing)."""
