"""Spam filtering: checks that explain themselves, a Bayesian classifier that learns, and Akismet."""
