"""Dialogs and overlay screens, one per module."""
