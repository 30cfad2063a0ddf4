# Shortcuts for dev.py, which needs nothing but Python 3.11.
.PHONY: demo test lint

demo:
	python3 dev.py demo

test:
	python3 dev.py test

lint:
	python3 dev.py lint
