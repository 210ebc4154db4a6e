"""Subcommands of ``kalib``: one module each (NAME, HELP, add_arguments, run)."""
