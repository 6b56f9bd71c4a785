"""Server-rendered pages for people in a browser: the home page."""
