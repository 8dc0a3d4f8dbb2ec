"""Media generation and inspection (images, video probing)."""
