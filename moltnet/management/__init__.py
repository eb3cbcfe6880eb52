"""Django management commands of the project (`manage.py runserver`, `manage.py moltnet_node`).

A program, beside `moltnet.cli`: `runserver` serves the same network as `moltnet start` (start-up,
then the same background work, the pairing relay included). It must not hold server logic of its
own: it calls the entry points (`moltnet.startup`, `pairings.worker`) that `moltnet start` calls.
"""
