"""What an adviser reads after `run`: the report content (one object) and its two layouts,
html and xlsx."""
