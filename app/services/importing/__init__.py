"""Bringing a site's comments in from WordPress, Disqus, Isso and Commento (`flask import <platform> FILE`).

One reader per platform turns its export into records (importing.records), streamed where the format allows;
the loader (importing.loader) writes them the same way for all: articles made or matched, comments placed in their
threads with their states, counters kept, nothing notified, and what it did reported record by record.
"""
