"""Allow ``python -m policykg``."""

from policykg.cli import main

if __name__ == "__main__":
    main()
