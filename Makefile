# The two commands: `make run` serves the demo, `make test` runs every test.
.PHONY: run test

run:
	scripts/run.sh

test:
	scripts/test.sh
