"""The web layer: FastAPI app factory, routes and the served UI."""
