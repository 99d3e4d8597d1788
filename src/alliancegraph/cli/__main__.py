"""``python -m alliancegraph.cli``: the same as the ``alliancegraph`` command."""

from alliancegraph.cli import main

if __name__ == "__main__":
    main()
