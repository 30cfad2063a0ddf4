"""WeServe: counter-service software for JKM social-welfare offices."""
