"""The HTTP API (`carbonspec serve`): FastAPI over the same functions as the command line."""
