"""Settings package: ``base`` holds what every profile shares; ``dev``, ``test``
and ``prod`` each import it and change only what differs."""
