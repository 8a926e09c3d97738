"""The app's widgets: the queue, the reader, the triage bar and the search bar."""
